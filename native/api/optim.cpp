// placeholder: filled by its op family's author

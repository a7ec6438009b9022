// DC-VAE (seed 002): the network, its kind, its upstream settings reader and its demo size.
export * from './model';
export { dcVaeKind, type DcVaeOverrides } from './kind';
export { parseSettings, settingsOptions, readDcVaeSettings, type Settings, type SettingsOptions } from './settings';
export { DC_VAE_DEMO } from './demo';

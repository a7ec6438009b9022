/* Error codes and the thread-local error message of the last failing call. */
#ifndef VIGIL_STATUS_H
#define VIGIL_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vigil_status {
  VIGIL_OK = 0,
  VIGIL_ERR_SHAPE = 1,       /* shapes do not agree */
  VIGIL_ERR_DTYPE = 2,       /* dtype not supported or mixed */
  VIGIL_ERR_DEVICE = 3,      /* mixed devices, or device not available */
  VIGIL_ERR_OOM = 4,         /* allocation failed */
  VIGIL_ERR_ARG = 5,         /* a scalar argument is out of range */
  VIGIL_ERR_UNSUPPORTED = 6, /* op not implemented for this device/dtype */
  VIGIL_ERR_CUDA = 7,        /* a CUDA runtime call failed */
  VIGIL_ERR_INTERNAL = 8
} vigil_status;

/* Message of the last error on this thread: "<op>: <what> (<shapes>)". Valid until the next call. */
const char* vigil_last_error(void);
const char* vigil_status_name(vigil_status s);

#ifdef __cplusplus
}
#endif
#endif

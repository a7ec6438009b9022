/* Tensor descriptors and native storage. The core never owns a tensor: callers pass
 * descriptors of contiguous row-major buffers they allocated with vigil_alloc. */
#ifndef VIGIL_TENSOR_H
#define VIGIL_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include "vigil/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_MAX_DIMS 8

typedef enum vigil_dtype { VIGIL_F32 = 0, VIGIL_F64 = 1 } vigil_dtype;
typedef enum vigil_device { VIGIL_CPU = 0, VIGIL_CUDA = 1 } vigil_device;

typedef struct vigil_tensor {
  void* data;            /* contiguous, row-major */
  vigil_dtype dtype;
  vigil_device device;
  int32_t ndim;          /* 0 = scalar (one element) */
  int64_t shape[VIGIL_MAX_DIMS];
} vigil_tensor;

size_t vigil_dtype_size(vigil_dtype dt);
int64_t vigil_numel(const vigil_tensor* t);

/* Storage: 64-byte aligned on CPU; device memory through the caching allocator on CUDA. */
vigil_status vigil_alloc(vigil_device dev, size_t nbytes, void** out);
void vigil_free(vigil_device dev, void* p, size_t nbytes);

/* Native bytes and buffers in use (both devices), for leak tests, and bytes the caching
 * allocators hold for reuse. */
typedef struct vigil_mem_stats {
  int64_t cpu_bytes, cpu_buffers, cuda_bytes, cuda_buffers, cpu_cached_bytes, cuda_cached_bytes;
} vigil_mem_stats;
vigil_mem_stats vigil_memory(void);
/* Returns every cached block to the system (the cache refills as work goes on). */
void vigil_release_cached(void);
/* Net bytes of host memory the calling thread has taken from the system (+) or given back (-)
 * since its previous call: what a garbage-collected host should count as external memory. A
 * buffer reused from the cache costs nothing here, so a steady loop reports nothing. */
int64_t vigil_take_host_system_delta(void);

/* Copies between host memory and a storage of either device. */
vigil_status vigil_copy_from_host(const vigil_tensor* dst, const void* src, size_t nbytes);
vigil_status vigil_copy_to_host(const vigil_tensor* src, void* dst, size_t nbytes);

/* Thread pool (CPU kernels). 0 = one per core. */
void vigil_set_num_threads(int n);
int vigil_get_num_threads(void);

/* Build facts: 1 when CUDA sources were compiled in; devices found (0 when none, no driver, or
 * the engine's device cannot run this build's kernels). Never aborts. */
int vigil_cuda_compiled(void);
int vigil_cuda_device_count(void);
/* One line for people: runtime and driver versions, the engine's device (name, compute
 * capability, memory) and the architectures compiled for, or why no device is usable.
 * snprintf-style: writes at most n bytes (NUL included), returns the full length.
 * The engine uses device 0, or the one named by the environment variable VIGIL_CUDA_DEVICE. */
int vigil_cuda_describe(char* buf, size_t n);
/* f32 GEMMs on CUDA (matmul, linear, lstm, causal_conv1d) use the TF32 tensor cores when
 * enabled: inputs rounded to a 10-bit mantissa, products summed in f32 (relative error of order
 * 1e-3, see native/cuda/gemm.cu). Off by default, or on when VIGIL_CUDA_TF32=1 at start.
 * Returns the previous setting; 0 and no effect in builds without CUDA. */
int vigil_cuda_set_tf32(int enable);

#ifdef __cplusplus
}
#endif
#endif

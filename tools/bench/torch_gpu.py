"""PyTorch CUDA side of tools/bench/gpu.ts, run in the same session on the same GPU.

Measures, for each precision mode ("fp32": TF32 off for cuBLAS and cuDNN; "tf32": on for both),
one Adam training step and one scoring pass of the LSTM autoencoder (torch_lstm_ae.step_ms, cuDNN
LSTM) and of DC-VAE (torch_dc_vae.step_ms, cuDNN convolutions), and cuBLAS GEMM TFLOP/s; and,
once, the device's FP32 FMA peak with an FMA-loop kernel and its TF32 mma.sync peak with an
mma-loop kernel (both through CuPy; the datasheet figure when CuPy is missing, and the JSON says
which). Each step ends by reading a result to the host, as the TS side does. Prints one JSON
line last.

Usage: torch_gpu.py CONFIG_JSON   (see gpu.ts: warmup, reps, lstm_ae, dc_vae, gemm sizes)"""
import json
import math
import sys

import torch

import torch_dc_vae
import torch_lstm_ae
from torch_common import median_ms, uniform

# Dense (no sparsity) datasheet rates in TFLOP/s: (fp32 FMA, tf32 tensor core).
DATASHEET = {
    "H100 80GB HBM3": (66.9, 494.7),  # SXM5
    "H100 PCIe": (51.2, 378.0),
    "H100 NVL": (60.0, 417.5),
    "H200": (66.9, 494.7),
    "A100": (19.5, 156.0),
}

FMA_KERNEL = r"""
extern "C" __global__ void fma_loop(float* out, int iters, float a, float b) {
  float x[8];
  for (int k = 0; k < 8; ++k) x[k] = threadIdx.x * 1e-3f + k;
  for (int i = 0; i < iters; ++i) {
#pragma unroll
    for (int k = 0; k < 8; ++k) x[k] = fmaf(x[k], a, b);
  }
  float s = 0;
  for (int k = 0; k < 8; ++k) s += x[k];
  out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
"""

# Four independent m16n8k8 TF32 accumulations per warp (2 * 16*8*8 FLOPs each per instruction).
MMA_KERNEL = r"""
extern "C" __global__ void mma_loop(float* out, int iters) {
  unsigned a0 = __float_as_uint(1.0f), a1 = a0, a2 = a0, a3 = a0, b0 = __float_as_uint(1e-6f), b1 = b0;
  float d[4][4] = {};
  for (int i = 0; i < iters; ++i) {
#pragma unroll
    for (int c = 0; c < 4; ++c)
      asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                   : "+f"(d[c][0]), "+f"(d[c][1]), "+f"(d[c][2]), "+f"(d[c][3])
                   : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  }
  float s = 0;
  for (int c = 0; c < 4; ++c) s += d[c][0] + d[c][1] + d[c][2] + d[c][3];
  out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
"""


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def kernel_peaks():
    """(fp32 TFLOP/s, tf32 TFLOP/s, source) from the loop kernels, or None where CuPy fails."""
    try:
        import cupy as cp
    except Exception as e:  # noqa: BLE001
        return None, None, f"cupy unavailable ({e})"
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    out = cp.empty(sms * 8 * 256, dtype=cp.float32)

    def timed(fn, flops):
        fn()
        cp.cuda.Device().synchronize()
        best = math.inf
        for _ in range(5):
            start, end = cp.cuda.Event(), cp.cuda.Event()
            start.record()
            fn()
            end.record()
            end.synchronize()
            best = min(best, cp.cuda.get_elapsed_time(start, end) / 1e3)
        return flops / best / 1e12

    fp32 = tf32 = None
    notes = []
    try:
        k = cp.RawKernel(FMA_KERNEL, "fma_loop")
        iters = 1 << 15
        fp32 = timed(lambda: k((sms * 8,), (256,), (out, cp.int32(iters), cp.float32(0.999999), cp.float32(1e-7))),
                     2.0 * 8 * iters * sms * 8 * 256)
    except Exception as e:  # noqa: BLE001
        notes.append(f"fma kernel failed ({e})")
    try:
        k = cp.RawKernel(MMA_KERNEL, "mma_loop")
        iters = 1 << 13
        tf32 = timed(lambda: k((sms * 8,), (256,), (out, cp.int32(iters))),
                     4.0 * 2 * 16 * 8 * 8 * iters * sms * 8 * (256 // 32))
    except Exception as e:  # noqa: BLE001
        notes.append(f"mma kernel failed ({e})")
    return fp32, tf32, "; ".join(notes) or "measured (FMA-loop and mma.sync-loop kernels through CuPy)"


def datasheet(name):
    for key, rates in DATASHEET.items():
        if key in name:
            return rates
    return None, None


def gemm_tflops(n, warmup, reps):
    a, b = uniform((n, n), "cuda"), uniform((n, n), "cuda")
    c = torch.empty(n, n, device="cuda")

    def step():
        torch.mm(a, b, out=c)
        c[0, 0].item()

    return 2.0 * n ** 3 / (median_ms(step, warmup, reps) / 1e3) / 1e12


def main():
    cfg = json.loads(sys.argv[1])
    if not torch.cuda.is_available():
        print(json.dumps({"error": "torch sees no CUDA device"}))
        return
    warmup, reps = cfg["warmup"], cfg["reps"]
    name = torch.cuda.get_device_name(0)
    fp32_peak, tf32_peak, source = kernel_peaks()
    sheet_fp32, sheet_tf32 = datasheet(name)
    result = {
        "device": name,
        "torch": torch.__version__,
        "cudnn": torch.backends.cudnn.version(),
        "peak_source": source,
        "fma_peak_tflops": fp32_peak,
        "mma_tf32_peak_tflops": tf32_peak,
        "datasheet_fp32_tflops": sheet_fp32,
        "datasheet_tf32_tflops": sheet_tf32,
        "modes": {},
    }
    for mode in ("fp32", "tf32"):
        set_tf32(mode == "tf32")
        result["modes"][mode] = {
            "gemm_tflops": {str(n): gemm_tflops(n, warmup, reps) for n in cfg["gemm"]},
            "lstm_ae": [torch_lstm_ae.step_ms(c["channels"], c["window"], c["batch"], c["scoreBatch"], warmup, reps, "cuda")
                        for c in cfg["lstm_ae"]],
            "dc_vae": [torch_dc_vae.step_ms(c["config"], c["batch"], c["scoreBatch"], warmup, reps, "cuda")
                       for c in cfg["dc_vae"]],
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

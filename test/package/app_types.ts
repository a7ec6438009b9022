// A TypeScript user of the public API, compiled with --strict and without skipLibCheck.
import { data, detect, pipeline, onnx, type detect as D } from 'vigil-ad';

export async function scoreFile(bundle: string, csv: string): Promise<number[]> {
  const det: D.Detector = await detect.Detector.load(bundle, { backend: 'native' });
  const today = await data.loadSeries({ path: csv, timestamp: 'time' }, 'test');
  const { scores } = pipeline.scoreSeries(detect.loadDetector(bundle), today);
  const meta: Record<string, string> = onnx.readOnnxMetadata(bundle.replace(/\.vigil$/, '.onnx'));
  await det.dispose();
  return Array.from(scores).concat(Object.keys(meta).length);
}

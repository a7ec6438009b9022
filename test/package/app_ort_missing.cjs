// The onnxruntime backend without onnxruntime-node installed: the error must say how to add it.
const { detect } = require('vigil-ad');
detect.Detector.load(process.argv[2], { backend: 'onnxruntime' }).then(
  () => { console.error('loaded without onnxruntime-node?'); process.exit(1); },
  (e) => { console.log(e.message); process.exit(/npm install onnxruntime-node/.test(e.message) ? 0 : 1); });

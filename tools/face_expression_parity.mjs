// FaceExpressionNet of the npm package @vladmandic/face-api, run by the package itself (TF.js, CPU
// backend) on raw 112x112 RGB inputs, for tools/convert_face_expression.py's parity check.
//   node face_expression_parity.mjs NODE_MODULES INPUTS.bin COUNT OUTPUTS.json
// NODE_MODULES holds @vladmandic/face-api, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm
// (the converter installs them with npm).
import fs from 'fs';
import { createRequire } from 'module';
import path from 'path';

const [nodeModules, inputsPath, count, outputsPath] = process.argv.slice(2);
const require = createRequire(path.join(nodeModules, 'index.js'));
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const { tf } = faceapi;
await tf.setBackend('cpu');
await tf.ready();

const modelDir = path.join(nodeModules, '@vladmandic', 'face-api', 'model');
const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'face_expression_model-weights_manifest.json')));
const weightMap = {};
for (const group of manifest) {
  const data = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(modelDir, p))));
  const arrayBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  Object.assign(weightMap, tf.io.decodeWeights(arrayBuffer, group.weights));
}
const net = new faceapi.FaceExpressionNet();
net.loadFromWeightMap(weightMap);

const n = Number(count);
const size = 112 * 112 * 3;
const raw = fs.readFileSync(inputsPath);
const values = new Float32Array(raw.buffer, raw.byteOffset, n * size);
const answers = [];
for (let i = 0; i < n; i += 1) {
  const image = tf.tensor3d(values.slice(i * size, (i + 1) * size), [112, 112, 3]);
  const expressions = await net.predictExpressions(image);
  answers.push(['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'].map((k) => expressions[k]));
  image.dispose();
}
fs.writeFileSync(outputsPath, JSON.stringify(answers));

// Function, the base of every differentiable op (defined in node.ts, which loads the engine).
// Every op file imports it from here, so this is also where the recorded view is loaded: it
// fills Tensor's reshape hook (see tensor.ts), and ops such as unsqueeze call Tensor#reshape.
export { Function } from './node';
import './view';

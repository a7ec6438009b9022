// Training: the fit loop, its data interface, checkpoints and progress.
export { fit, evaluate, type FitOptions, type FitResult, type LossFn, type LossOutput, type Trainable, type CheckpointTarget } from './fit';
export { fromSources, fromWindows, type FitData, type SampleSource, type WindowSource, type Split } from './data';
export { saveCheckpoint, loadCheckpoint, checkpointModelState, type EpochRecord, type TrainingState, type LoadedCheckpoint } from './checkpoint';
export { collectGenerators, type GeneratorState } from './rng_state';
export { LossLog } from './loss_log';
export { Progress } from './progress';
export { fitAdversarial, type AdversarialSetup, type AdversarialOptions, type Player, type Phase, type PhaseContext, type PhaseLosses } from './adversarial';
export { saveAdversarialCheckpoint, loadAdversarialCheckpoint, type LoadedAdversarialCheckpoint } from './adversarial_checkpoint';
export { Ema } from './ema';
export { GradientRouter } from './own_gradients';

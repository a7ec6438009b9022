// The data pipeline: CSV reading, dataset presets, schema, scalers and windows.
export { channels, sliceRows, type Series } from './series';
export { DataError, SchemaError, type DataErrorWhere } from './errors';
export { readCsv, peekHeader, type CsvOptions, type CsvHeader, type Separator } from './csv';
export { parseTimestamp, type TimestampFormat } from './timestamps';
export {
  loadPreset,
  readPresetFile,
  presetCsvOptions,
  readBatadalLabels,
  readInterpretation,
  PRESETS,
  type PresetName,
  type PresetOptions,
  type PresetData,
} from './presets';
export { schemaOf, checkSchema, diffSchema, type Schema, type SchemaDiff } from './schema';
export { Scaler, quantile, type ScalerKind, type ScalerJSON, type ScaleOptions } from './scaler';
export { Windows, timeSplit, type WindowOptions } from './windows';
export { parseInterpretationLabels, type Interpretation } from './interpretation';
export { simulatePlant, normalPeriod } from './simulator';
export { samplesOf, contextRows, type InputSpec, type InputKind, type Samples } from './representation';
export {
  MatrixSeries,
  signatureMatrix,
  windowMatrix,
  matrixSeriesContext,
  matrixSide,
  checkMatrixSeriesSpec,
  CORRELATION_MEASURES,
  type MatrixSeriesSpec,
  type CorrelationMeasure,
} from './correlation';
export { CorrelationStream, MatrixSeriesStream, type CorrelationStreamOptions } from './correlation_stream';
export { fitStudentT, STUDENT_T_DEFAULTS, type StudentTOptions, type StudentTFit } from './correlation_student_t';
export { CONSTANT_REL_STD } from './correlation_window';
export { loadSeries, loadPart, loadTrainingData, loadLabels, rowBounds, isTabularPreset, type DataSource, type DataPart, type LoadedPart } from './load';
export { parseNames, readNames, CLASS_COLUMN, type NamesFile, type ColumnSpec, type ColumnKind } from './names';
export { readTable, sliceTable, type Table, type TableOptions, type Categories } from './tabular';
export {
  CategoricalEncoder,
  type CategoricalEncoderJSON,
  type EncoderColumn,
  type Encoded,
  type TransformOptions,
  type UnseenCount,
  type UnseenPolicy,
} from './categorical';
export { binaryLabels } from './tabular_labels';
export { paperSplit, honestSplit, type SplitOptions, type RowSplit } from './tabular_split';
export { tabularProtocol, type TabularProtocol, type TabularProtocolOptions, type TabularParts } from './tabular_protocol';
export { loadTabular, loadTabularFolder, readTabularFile, TABULAR_PRESETS, type TabularData, type TabularPart, type TabularPresetName, type TabularPresetOptions } from './tabular_presets';
export { tabularInput, checkTabularInput, scoringOptions, type TabularInput } from './tabular_input';

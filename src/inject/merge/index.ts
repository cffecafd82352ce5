// Strategic merge of rendered templates onto pods.
export { StrategicMergeError, strategicMerge } from './strategic.ts';
export {
  type FieldPatchMeta,
  type PatchSchema,
  containerSchema,
  objectMetaSchema,
  podSchema,
  podSpecSchema,
  podStatusSchema,
} from './schema.ts';
export {
  type RenderedTemplate,
  TemplateMergeError,
  type TemplateMergeOptions,
  type TemplateMergeResult,
  mergeTemplates,
  templateOverlay,
} from './templates.ts';

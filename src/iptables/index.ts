// Traffic capture, as Istio's istio-init container does it: pod settings -> istio-iptables arguments ->
// CaptureConfig -> the iptables rules, plus a plain-language summary. Everything here is pure.
export { CaptureAnnotation } from './annotations.ts';
export {
  captureArgs,
  initContainerPlan,
  interceptionModeOf,
  CaptureInputError,
  type CaptureInput,
  type EnvVar,
  type InitContainerPlan,
  type MeshCaptureSettings,
} from './args.ts';
export {
  defaultCaptureConfig,
  dnsCaptureActive,
  type CaptureConfig,
  type CidrSelection,
  type InterceptionMode,
  type PortSelection,
} from './config.ts';
export { explainCapture } from './explain.ts';
export type { Cidr } from './net.ts';
export {
  planCapture,
  captureConfigFromContainer,
  type CaptureContainer,
  type CapturePlan,
  type CapturePlanOptions,
} from './plan.ts';
export { parseCaptureArgs, splitCommandLine, CaptureArgsError, type ParseCaptureOptions } from './parse.ts';
export {
  buildRules,
  formatRestore,
  renderRules,
  routeCommands,
  type RenderedRules,
  type Rule,
  type RuleLists,
  type Table,
} from './rules.ts';
export {
  annotationErrorMessage,
  trafficAnnotationChecks,
  validateTrafficAnnotations,
  type AnnotationCheck,
} from './validate.ts';

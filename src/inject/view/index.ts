// The template data model: Go-named views of pods, mesh config and ProxyConfig (see data.ts).
export { templateData, type TemplateDataInput } from './data.ts';
export { inboundTrafficPolicyMode, proxyImages, tagWithImageType, type ProxyImages } from './images.ts';
export { kubeGoJSON, kubeView } from './kube.ts';
export {
  cleanProxyConfigJSON,
  formatDurationValue,
  meshConfigView,
  protoJSON,
  protoJSONText,
  protoToJSONText,
  protoView,
  proxyConfigView,
} from './proto.ts';
export { goJSONEscape, jsonOf } from './go.ts';

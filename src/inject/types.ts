// Shapes shared by the injection pipeline.
//
// Pods travel through the pipeline as plain JSON (as they arrive in an AdmissionReview or a manifest),
// so unknown and future fields survive untouched. The client-node model types give a typed view where
// code reads specific fields; they are type-only imports, nothing from client-node runs here.
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type {
  V1Container as Container,
  V1ObjectMeta as ObjectMeta,
  V1Pod as Pod,
  V1PodSpec as PodSpec,
  V1Probe as Probe,
} from '@kubernetes/client-node';

/** One RFC 6902 operation (admission patches, JSON-patch requests to the API server). */
export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: JsonValue;
  readonly from?: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

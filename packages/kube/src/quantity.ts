// The Kubernetes resource.Quantity grammar: a signed decimal number with an optional binary (Ki..Ei),
// decimal (m, k, M..E) or exponent suffix, e.g. `250m`, `1`, `1.5Gi`, `8Gi`, `1e3`.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[mkMGTPE]|[eE][+-]?\d+)?$/;

/** True when `value` parses as a Kubernetes quantity (what the apiserver would accept). */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

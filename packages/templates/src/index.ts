export { renderTemplate, renderTextTemplate, renderYamlTemplate, TemplateError } from './render.js';
export type { RenderOptions } from './render.js';
export { yamlScalar } from './scalar.js';

import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createRequire } from 'node:module';
import type * as OtlpExporter from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

// The OTLP exporter (with protobufjs, sdk-metrics and sdk-logs behind it, ~300 modules and ~2.5 MB per service) is
// loaded only when an endpoint is configured: without one every service would carry it at idle for nothing.
const requireLazily = createRequire(import.meta.url);

export interface Telemetry {
  readonly tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider named after the service with W3C trace-context propagation, so a traceparent
 * travels in NATS headers and one webhook is one trace. Spans are exported over OTLP/HTTP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise they are created (ids propagate) and dropped.
 */
export function initTelemetry(opts: { serviceName: string; env?: NodeJS.ProcessEnv; processors?: SpanProcessor[] }): Telemetry {
  const env = opts.env ?? process.env;
  const spanProcessors: SpanProcessor[] = [...(opts.processors ?? [])];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    const { OTLPTraceExporter } = requireLazily('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpExporter;
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    spanProcessors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return { tracer: trace.getTracer(opts.serviceName), shutdown: () => provider.shutdown() };
}

/** Writes the active trace context into a plain carrier (for message headers). */
export function injectTraceContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Reads a trace context from a plain carrier. */
export function extractTraceContext(carrier: Record<string, string | undefined>): Context {
  return propagation.extract(context.active(), carrier);
}

// One small line under a result on the WebGPU backend: how long the request took and the GPU work it
// took (dispatches, uploads, uniform writes, readbacks; per decoder step for step-by-step decoding).
// Hidden on the other backends and for the precomputed example (no counts there).
import type { GpuCounts, GpuWork } from '../../runtime/protocol.ts';
import { describeCounts, describePerStep } from '../lib/gpu-work.ts';
import { useApp } from '../store/index.ts';

export function GpuWorkLine({ total, part, label, ms, testId = 'gpu-work' }: { total: GpuCounts | undefined; part?: GpuWork | null; label: string; ms?: number; testId?: string }) {
  const webgpu = useApp((s) => s.backend?.backend === 'webgpu');
  if (!webgpu || !total) return null;
  const perStep = part ? describePerStep(part) : null;
  const partText = part ? `${label}: ${part.decoding.dispatches.toLocaleString('en-US')} dispatches in decoding${perStep ? ` (${perStep})` : ''}.` : '';
  return (
    <p
      className="small muted"
      data-testid={testId}
      data-dispatches={total.dispatches}
      data-uploads={total.uploads}
      data-uniform-writes={total.uniformWrites}
      data-readbacks={total.readbacks}
      data-steps={part?.steps ?? 0}
    >
      WebGPU{ms !== undefined ? `, ${Math.round(ms).toLocaleString('en-US')} ms` : ''}: {describeCounts(total)}. {partText}
    </p>
  );
}

import { describe, expect, it } from 'vitest';
import { parseNodePlacement } from './placement';

// Lines as onnxruntime-web 1.30 prints them with logSeverityLevel 0.
const log = [
  '2026-11-27 02:31:37.273068 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
  '2026-11-27 02:31:37.273983 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2',
  '2026-11-27 02:31:37.276093 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Unsqueeze (Unsqueeze_node_27)',
  '2026-11-27 02:31:37.281263 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Cast (Cast_node_35)',
  '2026-11-27 02:31:37.281748 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [JsExecutionProvider]. Number of nodes: 212',
  '2026-11-27 02:31:37.281943 [V:onnxruntime:, session_state.cc:1385 VerifyEachNodeIsAssignedToAnEp]   Gather (Gather_node_0)',
  '2026-11-27 02:31:37.290000 [I:onnxruntime:, inference_session.cc:2000 Initialize] Session successfully initialized.',
];

describe('parseNodePlacement', () => {
  it('counts nodes per provider and lists the CPU ones', () => {
    expect(parseNodePlacement(log)).toEqual({
      counts: { CPUExecutionProvider: 2, JsExecutionProvider: 212 },
      cpuNodes: [{ opType: 'Unsqueeze', name: 'Unsqueeze_node_27' }, { opType: 'Cast', name: 'Cast_node_35' }],
    });
  });
});

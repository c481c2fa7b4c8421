import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, type ModelSpec } from './model-proto';
import { ProtoWriter, decodeFields } from './protobuf';

describe('protobuf wire format', () => {
  it('encodes varints as upstream does, including negative int64 as 10 bytes', () => {
    expect(Array.from(new ProtoWriter().varint(1, 300).finish())).toEqual([0x08, 0xac, 0x02]);
    const neg = new ProtoWriter().varint(3, -1).finish();
    expect(neg.length).toBe(11);
    expect(BigInt.asIntN(64, decodeFields(neg).get(3)![0] as bigint)).toBe(-1n);
  });
});

describe('ONNX model encoder', () => {
  it('round-trips every field the lab writes', () => {
    const model: ModelSpec = {
      irVersion: 8,
      opset: 17,
      producer: 'test',
      graph: {
        name: 'g',
        nodes: [
          {
            opType: 'Gemm',
            name: 'n0',
            inputs: ['x', '', 'w'],
            outputs: ['y'],
            attrs: { alpha: { f: 0.5 }, transB: { i: 1 }, mode: { s: 'constant' }, perm: { ints: [1, -1, 0] }, scales: { floats: [1.5, 2] } },
          },
        ],
        initializers: [{ name: 'w', dtype: 'int64', dims: [2], raw: new Uint8Array(new BigInt64Array([5n, -7n]).buffer) }],
        inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }],
        outputs: [{ name: 'y', dtype: 'bool', shape: [0, 'seq'] }],
      },
    };
    const back = decodeModel(encodeModel(model));
    expect(back).toEqual(model);
  });
});

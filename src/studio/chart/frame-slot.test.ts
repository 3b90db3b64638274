import { describe, expect, it } from 'vitest';
import { FrameSlot } from './frame-slot.js';

describe('FrameSlot', () => {
  it('allocates the whole bound at the first frame and hands the same buffer out again after each round trip', () => {
    const slot = new FrameSlot(() => 1000);
    const first = slot.take(10);
    expect(first.length).toBe(1000);
    const buffer = first.buffer;
    slot.sent();
    expect(slot.waiting).toBe(true);
    slot.give(buffer as ArrayBuffer, true);
    expect(slot.waiting).toBe(false);
    // Frames growing up to the bound: the one buffer every time.
    for (const n of [100, 500, 1000]) {
      const a = slot.take(n);
      expect(a.buffer).toBe(buffer);
      slot.sent();
      slot.give(a.buffer as ArrayBuffer, true);
    }
    expect(slot.bytes).toBe(8000);
  });

  it('allocates anew only for a frame larger than its buffer, and keeps one buffer', () => {
    let bound = 100;
    const slot = new FrameSlot(() => bound);
    slot.give(slot.take(50).buffer as ArrayBuffer, false);
    bound = 300;
    const wider = slot.take(200);
    expect(wider.length).toBe(300);
    // A frame beyond the bound gets what it needs.
    slot.give(wider.buffer as ArrayBuffer, false);
    expect(slot.take(400).length).toBe(400);
  });

  it('waits while its buffer is with the worker; a one-off buffer sent meanwhile comes back and the larger is kept', () => {
    const slot = new FrameSlot(() => 100);
    const main = slot.take(10).buffer as ArrayBuffer;
    slot.sent();
    // A snapshot's frame in a buffer of its own.
    const oneOff = new ArrayBuffer(8 * 20);
    slot.sent();
    expect(slot.waiting).toBe(true);
    slot.give(oneOff, true);
    expect(slot.waiting).toBe(false);
    slot.give(main, true);
    expect(slot.bytes).toBe(800);
    expect(slot.take(100).buffer).toBe(main);
  });

  it('gives back a buffer taken for a frame without lines (never sent): nothing waits', () => {
    const slot = new FrameSlot(() => 64);
    const a = slot.take(0);
    slot.give(a.buffer as ArrayBuffer, false);
    expect(slot.waiting).toBe(false);
    expect(slot.take(64).buffer).toBe(a.buffer);
  });
});

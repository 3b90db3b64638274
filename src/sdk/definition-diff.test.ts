import { describe, expect, it } from 'vitest';
import { definitionDifference } from './definition-diff.js';

describe('definitionDifference', () => {
  it('is null for equal definitions, whatever the field order', () => {
    expect(definitionDifference({ key: 'k', group: { name: 'g', units: 's' } }, { key: 'k', group: { units: 's', name: 'g' } })).toBeNull();
    expect(definitionDifference({ key: 'k' }, { key: 'k' })).toBeNull();
  });

  it('names each differing field with both values', () => {
    expect(definitionDifference({ key: 'k', group: { name: 'one' } }, { key: 'k', group: { name: 'two' } })).toBe('group.name: "one" → "two"');
    expect(definitionDifference(
      { key: 'k', scale: { progress: true, upper: 3 } },
      { key: 'k', scale: { progress: true, upper: 4, units: '%' } },
    )).toBe('scale.units: none → "%", scale.upper: 3 → 4');
  });

  it('names a group or scale that appeared or disappeared', () => {
    expect(definitionDifference({ key: 'k' }, { key: 'k', group: { name: 'g' } })).toBe('group: none → {"name":"g"}');
    expect(definitionDifference({ key: 'k', scale: { name: 'y' } }, { key: 'k' })).toBe('scale: {"name":"y"} → none');
  });
});

import { describe, expect, it } from 'vitest';
import { inkOn, scaleCss, scaleRgb, symmetricNormaliser } from './palette.ts';

describe('scaleRgb', () => {
  it('hits the viridis end points exactly', () => {
    // matplotlib viridis(0) = #440154, viridis(1) = #fde725
    expect(scaleRgb(0)).toEqual([0x44, 0x01, 0x54]);
    expect(scaleRgb(1)).toEqual([0xfd, 0xe7, 0x25]);
  });
  it('is close to matplotlib viridis(0.5) = #21918c', () => {
    const [r, g, b] = scaleRgb(0.5);
    expect(Math.abs(r - 0x21)).toBeLessThanOrEqual(2);
    expect(Math.abs(g - 0x91)).toBeLessThanOrEqual(2);
    expect(Math.abs(b - 0x8c)).toBeLessThanOrEqual(2);
  });
  it('interpolates half-way between control points', () => {
    // t = 1/16 is half-way between control points 0 and 1.
    const [r] = scaleRgb(1 / 16);
    expect(r).toBe(Math.round(255 * (0.267004 + 0.277018) / 2));
  });
  it('clamps out-of-range and NaN', () => {
    expect(scaleRgb(-3)).toEqual(scaleRgb(0));
    expect(scaleRgb(7)).toEqual(scaleRgb(1));
    expect(scaleRgb(Number.NaN)).toEqual(scaleRgb(0));
  });
  it('gets lighter monotonically (perceptual ordering)', () => {
    const lum = (t: number) => {
      const [r, g, b] = scaleRgb(t);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (let i = 0; i < 20; i++) expect(lum((i + 1) / 20)).toBeGreaterThan(lum(i / 20));
    expect(scaleCss(0, 'cividis')).toBe('rgb(0, 34, 78)');
  });
});

describe('inkOn', () => {
  it('uses white on dark purple and black on yellow', () => {
    expect(inkOn(0)).toBe('#fff');
    expect(inkOn(1)).toBe('#000');
  });
});

describe('symmetricNormaliser', () => {
  it('maps the largest magnitude to the ends and 0 to the middle', () => {
    const f = symmetricNormaliser([-2, 1, 0.5]);
    expect(f(-2)).toBe(0);
    expect(f(2)).toBe(1);
    expect(f(0)).toBe(0.5);
    expect(f(1)).toBe(0.75);
    expect(symmetricNormaliser([0, 0])(0)).toBe(0.5);
  });
});

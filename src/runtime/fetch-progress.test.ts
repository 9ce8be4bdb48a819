import { describe, expect, it } from 'vitest';
import { decodeJson, fetchFile, PackFetchError, readWithProgress, type ByteProgress } from './fetch-progress.ts';

function streamed(chunks: number[], headers: Record<string, string> = {}, status = 200): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (i < chunks.length) {
        ctrl.enqueue(new Uint8Array(chunks[i]!).fill(i + 1));
        i++;
      } else ctrl.close();
    },
  });
  return new Response(body, { status, headers });
}

describe('readWithProgress', () => {
  it('reports bytes per chunk and returns the concatenated body', async () => {
    const seen: ByteProgress[] = [];
    const out = await readWithProgress(streamed([3, 5, 2], { 'content-length': '10' }), 'w.bin', (p) => seen.push(p));
    expect(Array.from(out)).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
    expect(seen.map((p) => p.loaded)).toEqual([0, 3, 8, 10, 10]);
    expect(seen.every((p) => p.total === 10 && p.file === 'w.bin')).toBe(true);
  });
  it('grows the total when the body is longer than Content-Length (compressed transfer)', async () => {
    const seen: ByteProgress[] = [];
    await readWithProgress(streamed([4, 4], { 'content-length': '5' }), 'x', (p) => seen.push(p));
    expect(seen.at(-1)).toEqual({ file: 'x', loaded: 8, total: 8 });
  });
  it('reports total 0 until the end when the length is unknown', async () => {
    const seen: ByteProgress[] = [];
    await readWithProgress(streamed([2, 2]), 'y', (p) => seen.push(p));
    expect(seen.slice(0, -1).every((p) => p.total === 0)).toBe(true);
    expect(seen.at(-1)!.total).toBe(4);
  });
});

describe('fetchFile', () => {
  it('names the URL and status of a failed download, and returns null for a missing optional file', async () => {
    const fetcher = async () => new Response('nope', { status: 404 });
    await expect(fetchFile(fetcher, '/models/x/manifest.json', 'manifest.json', () => {})).rejects.toThrow(
      /Could not download \/models\/x\/manifest.json: HTTP 404/,
    );
    expect(await fetchFile(fetcher, '/m/example.json', 'example.json', () => {}, true)).toBeNull();
  });
  it('treats an HTML fallback page as a missing file', async () => {
    const fetcher = async () => new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } });
    await expect(fetchFile(fetcher, '/m/manifest.json', 'manifest.json', () => {})).rejects.toBeInstanceOf(PackFetchError);
    expect(await fetchFile(fetcher, '/m/items.json', 'items.json', () => {}, true)).toBeNull();
  });
  it('decodes JSON and names the file when it is not JSON', () => {
    expect(decodeJson<{ a: number }>(new TextEncoder().encode('{"a":1}'), 'm.json')).toEqual({ a: 1 });
    expect(() => decodeJson(new TextEncoder().encode('{a'), 'm.json')).toThrow(/m.json.*not valid JSON/);
  });
});

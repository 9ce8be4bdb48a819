// Starts `vite preview` of the built app on a port and waits until it answers (scripts that drive
// dist/ in Chromium share it). The caller kills the returned process.
import { spawn, type ChildProcess } from 'node:child_process';

export async function startPreview(root: string, port: number): Promise<ChildProcess> {
  const base = `http://127.0.0.1:${port}/`;
  const server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: root, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    if (await fetch(base).then((r) => r.ok, () => false)) return server;
    if (i > 100) {
      server.kill();
      throw new Error(`vite preview did not answer on ${base}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

import * as net from 'net';
import { describeWithPrograms, findProgram, freePort, makeTempDir, programsAvailable, removeTempDir, runProgram, startProcess, stopAllProcesses, waitFor } from './programs';

describe('programs helper', () => {
  afterAll(stopAllProcesses);

  test('findProgram finds sh and not a made-up name', () => {
    expect(findProgram('sh')).toMatch(/\/sh$/);
    expect(findProgram('no-such-program-cdk8s-agents')).toBeUndefined();
  });

  test('a missing program skips outside CI and fails in CI', () => {
    const ci = process.env.CI;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      process.env.CI = 'false';
      expect(programsAvailable('no-such-program-cdk8s-agents')).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('no-such-program-cdk8s-agents not installed: run "sudo bash scripts/setup-system.sh"'));
      process.env.CI = 'true';
      expect(() => programsAvailable('no-such-program-cdk8s-agents')).toThrow('CI must have every real program the tests use');
    } finally {
      process.env.CI = ci;
      warn.mockRestore();
    }
  });

  test('runProgram returns the exit status and output', () => {
    const result = runProgram('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
  });

  test('a started server is reachable on its free port and stopped by PID', async () => {
    const port = await freePort();
    const dir = makeTempDir('programs');
    const script = `require('net').createServer((s) => s.end('hi')).listen(${port}, '127.0.0.1', () => console.log('ready'))`;
    const server = startProcess(process.execPath, ['-e', script], { cwd: dir });
    try {
      await waitFor('the server to listen', () => server.output().includes('ready'), 10_000);
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let data = '';
        socket.on('data', (d) => { data += d.toString(); });
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(reply).toBe('hi');
    } finally {
      await server.stop();
      removeTempDir(dir);
    }
    expect(server.exited()).toBe(true);
    expect(() => process.kill(server.pid, 0)).toThrow();
  });

  test('waitFor times out with what it waited for', async () => {
    await expect(waitFor('nothing', () => false, 100, 10)).rejects.toThrow('timed out after 100 ms waiting for nothing');
  });

  describeWithPrograms(['sh'])('describeWithPrograms', () => {
    test('runs the block when the programs are installed', () => {
      expect(findProgram('sh')).toBeDefined();
    });
  });
});

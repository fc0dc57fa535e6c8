import { isLoopback, registryEndpoint } from './registry-endpoint.js';

describe('registryEndpoint', () => {
  it('reaches Docker Hub at registry-1.docker.io, others over https, loopback and insecure over http', () => {
    expect(registryEndpoint('docker.io').baseUrl).toBe('https://registry-1.docker.io');
    expect(registryEndpoint('ghcr.io').baseUrl).toBe('https://ghcr.io');
    expect(registryEndpoint('127.0.0.1:5000').baseUrl).toBe('http://127.0.0.1:5000');
    expect(registryEndpoint('localhost:5000').baseUrl).toBe('http://localhost:5000');
    expect(registryEndpoint('[::1]:5000').baseUrl).toBe('http://[::1]:5000');
    expect(registryEndpoint('registry.lan:5000', { insecure: true }).baseUrl).toBe(
      'http://registry.lan:5000',
    );
  });

  it('treats only loopback hosts as loopback', () => {
    expect(isLoopback('127.10.0.1')).toBe(true);
    expect(isLoopback('128.0.0.1:5000')).toBe(false);
    expect(isLoopback('localhost.evil.example')).toBe(false);
  });
});

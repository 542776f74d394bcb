import { describe, expect, it } from 'vitest';
import { isTransportHelperForm, normalizeRepoUrl, redactText, redactUrl, repoUrlKind } from '../../src/sources/index.js';

describe('when a repository URL is checked', () => {
  it.each([
    ['https://github.com/entermix123/ArgoCD-Labs.git', 'https'],
    ['http://gitea.local:3000/org/repo', 'https'],
    ['ssh://git@github.com/org/repo.git', 'ssh'],
    ['git@github.com:org/repo.git', 'ssh'],
    ['file:///srv/git/repo.git', 'file'],
  ])('should accept %s as %s', (url, kind) => {
    expect(repoUrlKind(url)).toBe(kind);
  });

  it.each(['ext::/tmp/evil-helper', 'fd::17', 'ext::sh%20-c%20id', 'git@github.com::org/repo', 'https://github.com/org/repo::x'])('should refuse git\'s <helper>::<address> form %j (S3: the scp-like pattern accepted it)', (url) => {
    expect(repoUrlKind(url)).toBeUndefined();
    expect(isTransportHelperForm(url)).toBe(true);
  });

  it('should still accept a bracketed IPv6 host, whose "::" is not the helper form', () => {
    expect(repoUrlKind('https://[::1]:8443/org/repo.git')).toBe('https');
    expect(isTransportHelperForm('https://[::1]:8443/org/repo.git')).toBe(false);
  });

  it.each(['', 'github.com/org/repo', 'ftp://example.com/repo.git', 'file://relative/repo', ' https://github.com/org/repo', 'https://', 'https://exa mple.com/x'])('should refuse %j', (url) => {
    expect(repoUrlKind(url)).toBeUndefined();
  });
});

describe('when two spellings of a repository are compared', () => {
  it('should treat https, ssh, scp-like and .git forms of one repository as equal', () => {
    const forms = [
      'https://github.com/Org/Repo.git',
      'https://github.com/org/repo',
      'https://token@github.com/org/repo/',
      'http://github.com:443/org/repo.git',
      'git@github.com:org/repo.git',
      'ssh://git@github.com/org/repo',
      'ssh://git@github.com:22/org/repo.git',
    ];
    expect(new Set(forms.map(normalizeRepoUrl))).toEqual(new Set(['github.com/org/repo']));
  });

  it('should keep different repositories apart', () => {
    expect(normalizeRepoUrl('https://github.com/org/repo')).not.toBe(normalizeRepoUrl('https://github.com/org/repo2'));
    expect(normalizeRepoUrl('https://github.com/org/repo')).not.toBe(normalizeRepoUrl('https://gitlab.com/org/repo'));
  });

  it('should compare file URLs by path, keeping its case', () => {
    expect(normalizeRepoUrl('file:///tmp/Repos/app.git')).toBe('file:///tmp/Repos/app');
    expect(normalizeRepoUrl('file:///tmp/Repos/app/')).toBe('file:///tmp/Repos/app');
  });
});

describe('when a URL carries credentials', () => {
  it('should hide the whole user info of an https URL and the password of others', () => {
    expect(redactUrl('https://user:s3cret@github.com/org/repo.git')).toBe('https://***@github.com/org/repo.git');
    expect(redactUrl('https://ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/org/repo.git')).toBe('https://***@github.com/org/repo.git');
    expect(redactUrl('ssh://git:pw@host/repo')).toBe('ssh://git:***@host/repo');
    expect(redactUrl('ssh://git@host/repo')).toBe('ssh://git@host/repo');
  });

  it('should redact every URL inside a text', () => {
    const text = "fatal: unable to access 'https://x:tok@example.com/a.git/': Could not resolve host\nalso https://tok2@example.org/b";
    const out = redactText(text);
    expect(out).not.toContain('tok');
    expect(out).toContain('https://***@example.com/a.git/');
  });
});

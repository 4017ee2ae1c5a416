import {
  configKey, dns1035Label, dns1123Label, dns1123Subdomain, ianaSvcName, labelValue, objectNameRule, pathSegmentName, qualifiedName,
} from '../../lib/validation/names';

const ok = undefined;

describe('name rules', () => {
  it('GIVEN DNS-1123 labels WHEN checked THEN only lowercase alphanumerics and inner dashes up to 63 pass', () => {
    expect(dns1123Label('jd-classifier')).toBe(ok);
    expect(dns1123Label('0abc')).toBe(ok);
    expect(dns1123Label('a'.repeat(63))).toBe(ok);
    expect(dns1123Label('a'.repeat(64))).toContain('no more than 63');
    expect(dns1123Label('Upper')).toContain('DNS-1123 label');
    expect(dns1123Label('-lead')).toContain('DNS-1123 label');
    expect(dns1123Label('trail-')).toContain('DNS-1123 label');
    expect(dns1123Label('a.b')).toContain('DNS-1123 label');
    expect(dns1123Label('')).toContain('DNS-1123 label');
  });

  it('GIVEN DNS-1123 subdomains WHEN checked THEN dotted labels up to 253 pass', () => {
    expect(dns1123Subdomain('jd-classifier.config')).toBe(ok);
    expect(dns1123Subdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)).toBe(ok);
    expect(dns1123Subdomain('a'.repeat(254))).toContain('no more than 253');
    expect(dns1123Subdomain('a..b')).toContain('DNS-1123 subdomain');
    expect(dns1123Subdomain('a_b')).toContain('DNS-1123 subdomain');
    expect(dns1123Subdomain('.a')).toContain('DNS-1123 subdomain');
  });

  it('GIVEN DNS-1035 labels WHEN checked THEN they must start with a letter', () => {
    expect(dns1035Label('svc-1')).toBe(ok);
    expect(dns1035Label('1svc')).toContain('starting with a letter');
  });

  it('GIVEN IANA service names WHEN checked THEN 15 chars, lowercase, one letter, no edge or double dash', () => {
    expect(ianaSvcName('http')).toBe(ok);
    expect(ianaSvcName('http-metrics')).toBe(ok);
    expect(ianaSvcName('a'.repeat(15))).toBe(ok);
    expect(ianaSvcName('a'.repeat(16))).toContain('no more than 15');
    expect(ianaSvcName('HTTP')).toContain('lowercase');
    expect(ianaSvcName('8080')).toContain('at least one letter');
    expect(ianaSvcName('-http')).toContain('begin or end');
    expect(ianaSvcName('http-')).toContain('begin or end');
    expect(ianaSvcName('ht--tp')).toContain('--');
    expect(ianaSvcName('h_t')).toContain('lowercase');
  });

  it('GIVEN label and annotation keys WHEN checked THEN prefix/name rules apply', () => {
    expect(qualifiedName('app')).toBe(ok);
    expect(qualifiedName('app.kubernetes.io/name')).toBe(ok);
    expect(qualifiedName('example.com/Some_Key.v1')).toBe(ok);
    expect(qualifiedName(`example.com/${'n'.repeat(63)}`)).toBe(ok);
    expect(qualifiedName(`example.com/${'n'.repeat(64)}`)).toContain('no more than 63');
    expect(qualifiedName('a/b/c')).toContain('at most one');
    expect(qualifiedName('/name')).toContain('prefix');
    expect(qualifiedName('Example.com/name')).toContain('prefix "Example.com"');
    expect(qualifiedName('example.com/')).toContain('must not be empty');
    expect(qualifiedName('-bad')).toContain('alphanumeric');
    expect(qualifiedName('bad key')).toContain('alphanumeric');
  });

  it('GIVEN label values WHEN checked THEN empty or 63 chars of the label charset pass', () => {
    expect(labelValue('')).toBe(ok);
    expect(labelValue('v1.2.3_rc-1')).toBe(ok);
    expect(labelValue('a'.repeat(64))).toContain('no more than 63');
    expect(labelValue('has space')).toContain('alphanumeric');
    expect(labelValue('ends-')).toContain('alphanumeric');
    expect(labelValue('a/b')).toContain('alphanumeric');
  });

  it('GIVEN ConfigMap keys and RBAC names WHEN checked THEN their own rules apply', () => {
    expect(configKey('app.yaml')).toBe(ok);
    expect(configKey('LOG_LEVEL')).toBe(ok);
    expect(configKey('a/b')).toContain('alphanumerics');
    expect(configKey('..data')).toContain('..');
    expect(pathSegmentName('system:aggregate-to-view')).toBe(ok);
    expect(pathSegmentName('a/b')).toContain('\'/\'');
    expect(pathSegmentName('..')).toContain('may not be');
  });

  it('GIVEN kinds WHEN choosing the name rule THEN Service, Namespace, CronJob, Job and RBAC differ from the default', () => {
    expect(objectNameRule('', 'Service')('1svc')).toContain('DNS-1035');
    expect(objectNameRule('', 'Namespace')('a.b')).toContain('DNS-1123 label');
    expect(objectNameRule('apps', 'Deployment')('a.b')).toBe(ok);
    expect(objectNameRule('batch', 'CronJob')('c'.repeat(53))).toContain('no more than 52');
    expect(objectNameRule('batch', 'CronJob')('c'.repeat(52))).toBe(ok);
    expect(objectNameRule('batch', 'Job')('j'.repeat(64))).toContain('no more than 63');
    expect(objectNameRule('rbac.authorization.k8s.io', 'ClusterRole')('system:metrics-reader')).toBe(ok);
  });
});

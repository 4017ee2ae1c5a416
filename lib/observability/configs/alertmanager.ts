/** Where Alertmanager sends notifications. */
export interface SlackReceiver {
  /** File holding the webhook URL (a mounted Secret key): the URL itself is never rendered. */
  readonly urlFile: string;
  /** Channel override (webhooks have a default channel). */
  readonly channel?: string;
}

/** Slack message templates: Alertmanager (Go) templates, kept literal in manifests and Helm charts. */
export const SLACK_TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})';
export const SLACK_TEXT = [
  '{{ .CommonAnnotations.summary }}',
  '{{ range .Alerts }}',
  '*{{ if .Labels.workload }}{{ .Labels.workload }}{{ else }}{{ .Labels.pod }}{{ end }}*: {{ .Annotations.description }}',
  '_Runbook:_ {{ if .Annotations.runbook_url }}{{ .Annotations.runbook_url }}{{ else }}{{ .Annotations.runbook }}{{ end }}',
  '{{ end }}',
].join('\n');

/**
 * alertmanager.yml: every alert of the app goes to Slack (or to a receiver that drops it when no
 * Slack is configured), grouped by alert and workload; a critical alert silences the warnings of
 * the same workload.
 */
export function alertmanagerConfig(slack: SlackReceiver | undefined): Record<string, unknown> {
  const receiver = slack ? 'slack' : 'blackhole';
  return {
    route: {
      receiver,
      group_by: ['alertname', 'namespace', 'workload'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    },
    inhibit_rules: [{
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity="warning"'],
      equal: ['namespace', 'workload'],
    }],
    receivers: [slack
      ? {
        name: receiver,
        slack_configs: [{
          api_url_file: slack.urlFile,
          ...(slack.channel ? { channel: slack.channel } : {}),
          send_resolved: true,
          title: SLACK_TITLE,
          text: SLACK_TEXT,
        }],
      }
      : { name: receiver }],
  };
}

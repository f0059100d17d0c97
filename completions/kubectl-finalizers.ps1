
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-finalizers' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-finalizers'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-finalizers' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for authentication to the API server')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a cert file for the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to a client key file for TLS')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'Server name to use for server certificate validation (default: the server''s host)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username for basic authentication to the API server')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for basic authentication to the API server')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate for the operation')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate for the operation (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'Requests per second at most, on average (0: no limit)')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Requests at most in a burst, before --qps applies')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'If true, the server''s certificate will not be checked for validity (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'List every object stuck in Terminating, across all resource types')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'For each finalizer: who owns it, is it alive, what clearing skips, what to do')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove finalizers safely: plan and diff, confirm, guarded patch, backup and audit')
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Before uninstalling an operator: what carries its finalizers, and the order that avoids stranding it')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-finalizers;scan' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--finalizer', '--finalizer', [CompletionResultType]::ParameterName, 'Only objects held by a finalizer matching this glob (* and ?; repeatable)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)')
            [CompletionResult]::new('--ignore-group', '--ignore-group', [CompletionResultType]::ParameterName, 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)')
            [CompletionResult]::new('--ignore-type', '--ignore-type', [CompletionResultType]::ParameterName, 'Leave out a resource type: plural, plural.group or kind (repeatable)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Objects per list request (as kubectl''s --chunk-size)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for authentication to the API server')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a cert file for the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to a client key file for TLS')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'Server name to use for server certificate validation (default: the server''s host)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username for basic authentication to the API server')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for basic authentication to the API server')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate for the operation')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate for the operation (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'Requests per second at most, on average (0: no limit)')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Requests at most in a burst, before --qps applies')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--include-live', '--include-live', [CompletionResultType]::ParameterName, 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Do not print the table header')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit with 5 when something stuck is found (for scripts and CI checks)')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Scan every context of the kubeconfig (concurrently; a CONTEXT column)')
            [CompletionResult]::new('--with-evidence', '--with-evidence', [CompletionResultType]::ParameterName, 'With -o json|yaml: also capture the evidence explain needs (no Secret data, no pod specs), for `explain -f` without access to the cluster')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'If true, the server''s certificate will not be checked for validity (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-finalizers;explain' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Explain offline, from `scan --with-evidence -o json|yaml` output (''-'' for stdin)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Explain offline, from `scan --with-evidence -o json|yaml` output (''-'' for stdin)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--finalizer', '--finalizer', [CompletionResultType]::ParameterName, 'Only objects held by a finalizer matching this glob (* and ?; repeatable)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)')
            [CompletionResult]::new('--ignore-group', '--ignore-group', [CompletionResultType]::ParameterName, 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)')
            [CompletionResult]::new('--ignore-type', '--ignore-type', [CompletionResultType]::ParameterName, 'Leave out a resource type: plural, plural.group or kind (repeatable)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Objects per list request (as kubectl''s --chunk-size)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'Extra finalizer catalogue (YAML, same format as the built-in one; repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for authentication to the API server')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a cert file for the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to a client key file for TLS')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'Server name to use for server certificate validation (default: the server''s host)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username for basic authentication to the API server')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for basic authentication to the API server')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate for the operation')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate for the operation (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'Requests per second at most, on average (0: no limit)')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Requests at most in a burst, before --qps applies')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--include-live', '--include-live', [CompletionResultType]::ParameterName, 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'If true, the server''s certificate will not be checked for validity (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-finalizers;clear' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Objects from `scan -o json|yaml` or `explain -o json|yaml` output (''-'' for stdin)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Objects from `scan -o json|yaml` or `explain -o json|yaml` output (''-'' for stdin)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--finalizer', '--finalizer', [CompletionResultType]::ParameterName, 'Only objects held by a finalizer matching this glob (* and ?; repeatable)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)')
            [CompletionResult]::new('--ignore-group', '--ignore-group', [CompletionResultType]::ParameterName, 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)')
            [CompletionResult]::new('--ignore-type', '--ignore-type', [CompletionResultType]::ParameterName, 'Leave out a resource type: plural, plural.group or kind (repeatable)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Objects per list request (as kubectl''s --chunk-size)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Plan only (client, the default when given bare), or let the server check it (server)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Where to save each object''s manifest before the first write (default: $XDG_STATE_HOME or ~/.local/state, kubectl-finalizers/backups/<time>)')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'JSON-lines audit log: an intent record on disk before each patch, a result after (default: $XDG_STATE_HOME or ~/.local/state, kubectl-finalizers/audit.jsonl)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait waits')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'Extra finalizer catalogue (YAML; repeatable)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for authentication to the API server')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a cert file for the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to a client key file for TLS')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'Server name to use for server certificate validation (default: the server''s host)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username for basic authentication to the API server')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for basic authentication to the API server')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate for the operation')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate for the operation (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'Requests per second at most, on average (0: no limit)')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Requests at most in a burst, before --qps applies')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--stuck', '--stuck', [CompletionResultType]::ParameterName, 'Every stuck object the scan selection finds (-n, -A, -l, --finalizer, --older-than)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--include-live', '--include-live', [CompletionResultType]::ParameterName, 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required without a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Clear whatever the evidence says: owners ALIVE, DEGRADED or UNKNOWN, objects still in use, evidence that could not be read (their cleanup will not run)')
            [CompletionResult]::new('--allow-other-context', '--allow-other-context', [CompletionResultType]::ParameterName, 'With -f: accept items a scan of another context (or API server) wrote')
            [CompletionResult]::new('--accept-missing-evidence', '--accept-missing-evidence', [CompletionResultType]::ParameterName, 'Clear finalizers named exactly with --finalizer although some evidence could not be read (UNKNOWN owner, unread usage checks); the plan lists what was not read')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'After clearing, wait until the objects are really gone')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'If true, the server''s certificate will not be checked for validity (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-finalizers;preflight' {
            [CompletionResult]::new('--helm-release', '--helm-release', [CompletionResultType]::ParameterName, 'The operator''s Helm release (in -n): its workloads and the CRDs it installed')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'An API group the operator serves (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only this namespace (and the namespace object itself); default: the whole cluster')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)')
            [CompletionResult]::new('--finalizer', '--finalizer', [CompletionResultType]::ParameterName, 'Only objects held by a finalizer matching this glob (* and ?; repeatable)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)')
            [CompletionResult]::new('--ignore-group', '--ignore-group', [CompletionResultType]::ParameterName, 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)')
            [CompletionResult]::new('--ignore-type', '--ignore-type', [CompletionResultType]::ParameterName, 'Leave out a resource type: plural, plural.group or kind (repeatable)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Objects per list request (as kubectl''s --chunk-size)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for authentication to the API server')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a cert file for the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to a client key file for TLS')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'Server name to use for server certificate validation (default: the server''s host)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username for basic authentication to the API server')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for basic authentication to the API server')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate for the operation')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate for the operation (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'Requests per second at most, on average (0: no limit)')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Requests at most in a burst, before --qps applies')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'The whole cluster: every namespace and cluster-scoped resources (the default)')
            [CompletionResult]::new('--include-live', '--include-live', [CompletionResultType]::ParameterName, 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit with 5 while any object would be stranded (Helm pre-delete hook, CI gate)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'If true, the server''s certificate will not be checked for validity (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-finalizers;completion' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The address and port of the Kubernetes API server')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token for authentication to the API server')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'Path to a cert file for the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'Path to a client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Path to a client key file for TLS')
            [CompletionResult]::new('--tls-server-name', '--tls-server-name', [CompletionResultType]::ParameterName, 'Server name to use for server certificate validation (default: the server''s host)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username for basic authentication to the API server')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for basic authentication to the API server')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Username to impersonate for the operation')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Group to impersonate for the operation (repeatable)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)')
            [CompletionResult]::new('--qps', '--qps', [CompletionResultType]::ParameterName, 'Requests per second at most, on average (0: no limit)')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Requests at most in a burst, before --qps applies')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output (NO_COLOR is honoured in auto mode)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'If true, the server''s certificate will not be checked for validity (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-finalizers;help' {
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'List every object stuck in Terminating, across all resource types')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'For each finalizer: who owns it, is it alive, what clearing skips, what to do')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove finalizers safely: plan and diff, confirm, guarded patch, backup and audit')
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Before uninstalling an operator: what carries its finalizers, and the order that avoids stranding it')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-finalizers;help;scan' {
            break
        }
        'kubectl-finalizers;help;explain' {
            break
        }
        'kubectl-finalizers;help;clear' {
            break
        }
        'kubectl-finalizers;help;preflight' {
            break
        }
        'kubectl-finalizers;help;completion' {
            break
        }
        'kubectl-finalizers;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

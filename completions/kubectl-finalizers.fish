# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_finalizers_global_optspecs
    string join \n kubeconfig= context= cluster= user= s/server= token= certificate-authority= client-certificate= client-key= insecure-skip-tls-verify tls-server-name= username= password= as= as-group= request-timeout= idle-timeout= qps= burst= color= h/help V/version
end

function __fish_kubectl_finalizers_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_finalizers_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_finalizers_using_subcommand
    set -l cmd (__fish_kubectl_finalizers_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l context -d 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l certificate-authority -d 'Path to a cert file for the certificate authority' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l tls-server-name -d 'Server name to use for server certificate validation (default: the server\'s host)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l username -d 'Username for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l password -d 'Password for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l as-group -d 'Group to impersonate for the operation (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l request-timeout -d 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l idle-timeout -d 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l qps -d 'Requests per second at most, on average (0: no limit)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l burst -d 'Requests at most in a burst, before --qps applies' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l color -d 'When to colour the output (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -l insecure-skip-tls-verify -d 'If true, the server\'s certificate will not be checked for validity (insecure)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -f -a "scan" -d 'List every object stuck in Terminating, across all resource types'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -f -a "explain" -d 'For each finalizer: who owns it, is it alive, what clearing skips, what to do'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -f -a "clear" -d 'Remove finalizers safely: plan and diff, confirm, guarded patch, backup and audit'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -f -a "preflight" -d 'Before uninstalling an operator: what carries its finalizers, and the order that avoids stranding it'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -s n -l namespace -d 'Only this namespace (and the namespace object itself); default: the whole cluster' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -s l -l selector -d 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l finalizer -d 'Only objects held by a finalizer matching this glob (* and ?; repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l older-than -d 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l ignore-group -d 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l ignore-type -d 'Leave out a resource type: plural, plural.group or kind (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l concurrency -d 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l chunk-size -d 'Objects per list request (as kubectl\'s --chunk-size)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''
summary\t'Counts by finalizer (with its catalogued owner) and by namespace'
openmetrics\t'OpenMetrics text for a textfile collector or a Pushgateway'"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l context -d 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l certificate-authority -d 'Path to a cert file for the certificate authority' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l tls-server-name -d 'Server name to use for server certificate validation (default: the server\'s host)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l username -d 'Username for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l password -d 'Password for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l as-group -d 'Group to impersonate for the operation (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l request-timeout -d 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l idle-timeout -d 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l qps -d 'Requests per second at most, on average (0: no limit)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l burst -d 'Requests at most in a burst, before --qps applies' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l color -d 'When to colour the output (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -s A -l all-namespaces -d 'The whole cluster: every namespace and cluster-scoped resources (the default)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l include-live -d 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l no-headers -d 'Do not print the table header'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l exit-code -d 'Exit with 5 when something stuck is found (for scripts and CI checks)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l all-contexts -d 'Scan every context of the kubeconfig (concurrently; a CONTEXT column)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l with-evidence -d 'With -o json|yaml: also capture the evidence explain needs (no Secret data, no pod specs), for `explain -f` without access to the cluster'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -l insecure-skip-tls-verify -d 'If true, the server\'s certificate will not be checked for validity (insecure)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand scan" -s V -l version -d 'Print version'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s f -l filename -d 'Explain offline, from `scan --with-evidence -o json|yaml` output (\'-\' for stdin)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s n -l namespace -d 'Only this namespace (and the namespace object itself); default: the whole cluster' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s l -l selector -d 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l finalizer -d 'Only objects held by a finalizer matching this glob (* and ?; repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l older-than -d 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l ignore-group -d 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l ignore-type -d 'Leave out a resource type: plural, plural.group or kind (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l concurrency -d 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l chunk-size -d 'Objects per list request (as kubectl\'s --chunk-size)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l catalog -d 'Extra finalizer catalogue (YAML, same format as the built-in one; repeatable)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l context -d 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l certificate-authority -d 'Path to a cert file for the certificate authority' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l tls-server-name -d 'Server name to use for server certificate validation (default: the server\'s host)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l username -d 'Username for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l password -d 'Password for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l as-group -d 'Group to impersonate for the operation (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l request-timeout -d 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l idle-timeout -d 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l qps -d 'Requests per second at most, on average (0: no limit)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l burst -d 'Requests at most in a burst, before --qps applies' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l color -d 'When to colour the output (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s A -l all-namespaces -d 'The whole cluster: every namespace and cluster-scoped resources (the default)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l include-live -d 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -l insecure-skip-tls-verify -d 'If true, the server\'s certificate will not be checked for validity (insecure)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s h -l help -d 'Print help'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand explain" -s V -l version -d 'Print version'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s f -l filename -d 'Objects from `scan -o json|yaml` or `explain -o json|yaml` output (\'-\' for stdin)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s n -l namespace -d 'Only this namespace (and the namespace object itself); default: the whole cluster' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s l -l selector -d 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l finalizer -d 'Only objects held by a finalizer matching this glob (* and ?; repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l older-than -d 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l ignore-group -d 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l ignore-type -d 'Leave out a resource type: plural, plural.group or kind (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l concurrency -d 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l chunk-size -d 'Objects per list request (as kubectl\'s --chunk-size)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l dry-run -d 'Plan only (client, the default when given bare), or let the server check it (server)' -r -f -a "none\t'Send the patches for real'
client\t'Show the plan; send nothing that could change state'
server\t'Send every patch with dryRun=All: RBAC and webhooks run, nothing persists'"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l backup-dir -d 'Where to save each object\'s manifest before the first write (default: $XDG_STATE_HOME or ~/.local/state, kubectl-finalizers/backups/<time>)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l audit-log -d 'JSON-lines audit log: an intent record on disk before each patch, a result after (default: $XDG_STATE_HOME or ~/.local/state, kubectl-finalizers/audit.jsonl)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l timeout -d 'How long --wait waits' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l catalog -d 'Extra finalizer catalogue (YAML; repeatable)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l context -d 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l certificate-authority -d 'Path to a cert file for the certificate authority' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l tls-server-name -d 'Server name to use for server certificate validation (default: the server\'s host)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l username -d 'Username for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l password -d 'Password for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l as-group -d 'Group to impersonate for the operation (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l request-timeout -d 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l idle-timeout -d 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l qps -d 'Requests per second at most, on average (0: no limit)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l burst -d 'Requests at most in a burst, before --qps applies' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l color -d 'When to colour the output (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l stuck -d 'Every stuck object the scan selection finds (-n, -A, -l, --finalizer, --older-than)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s A -l all-namespaces -d 'The whole cluster: every namespace and cluster-scoped resources (the default)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l include-live -d 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s y -l yes -d 'Do not ask for confirmation (required without a terminal)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l force -d 'Clear whatever the evidence says: owners ALIVE, DEGRADED or UNKNOWN, objects still in use, evidence that could not be read (their cleanup will not run)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l allow-other-context -d 'With -f: accept items a scan of another context (or API server) wrote'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l accept-missing-evidence -d 'Clear finalizers named exactly with --finalizer although some evidence could not be read (UNKNOWN owner, unread usage checks); the plan lists what was not read'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l wait -d 'After clearing, wait until the objects are really gone'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -l insecure-skip-tls-verify -d 'If true, the server\'s certificate will not be checked for validity (insecure)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand clear" -s V -l version -d 'Print version'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l helm-release -d 'The operator\'s Helm release (in -n): its workloads and the CRDs it installed' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l group -d 'An API group the operator serves (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -s n -l namespace -d 'Only this namespace (and the namespace object itself); default: the whole cluster' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -s l -l selector -d 'Label selector, as in kubectl (e.g. -l app=web,tier!=db)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l finalizer -d 'Only objects held by a finalizer matching this glob (* and ?; repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l older-than -d 'Only objects terminating for longer than this (e.g. 30m, 2h, 3d)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l ignore-group -d 'Leave out an API group: neither listed nor counted as unreadable (repeatable; e.g. metrics.k8s.io behind a broken APIService)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l ignore-type -d 'Leave out a resource type: plural, plural.group or kind (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l concurrency -d 'Resource types listed at the same time (throttling by the server lowers the requests in flight below this)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l chunk-size -d 'Objects per list request (as kubectl\'s --chunk-size)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l context -d 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l certificate-authority -d 'Path to a cert file for the certificate authority' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l tls-server-name -d 'Server name to use for server certificate validation (default: the server\'s host)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l username -d 'Username for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l password -d 'Password for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l as-group -d 'Group to impersonate for the operation (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l request-timeout -d 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l idle-timeout -d 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l qps -d 'Requests per second at most, on average (0: no limit)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l burst -d 'Requests at most in a burst, before --qps applies' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l color -d 'When to colour the output (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -s A -l all-namespaces -d 'The whole cluster: every namespace and cluster-scoped resources (the default)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l include-live -d 'Also objects that carry finalizers but are not being deleted (pre-uninstall audit)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l exit-code -d 'Exit with 5 while any object would be stranded (Helm pre-delete hook, CI gate)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -l insecure-skip-tls-verify -d 'If true, the server\'s certificate will not be checked for validity (insecure)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -s h -l help -d 'Print help'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand preflight" -s V -l version -d 'Print version'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l context -d 'The name of the kubeconfig context to use (scan: repeatable, one scan per context)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -s s -l server -d 'The address and port of the Kubernetes API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l token -d 'Bearer token for authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l certificate-authority -d 'Path to a cert file for the certificate authority' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l client-certificate -d 'Path to a client certificate file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l client-key -d 'Path to a client key file for TLS' -r -F
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l tls-server-name -d 'Server name to use for server certificate validation (default: the server\'s host)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l username -d 'Username for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l password -d 'Password for basic authentication to the API server' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l as -d 'Username to impersonate for the operation' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l as-group -d 'Group to impersonate for the operation (repeatable)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l request-timeout -d 'Time to wait for a single server request (0: no limit; 30 or 30s, 1m, 500ms)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l idle-timeout -d 'Give up on a request when the server sends nothing for this long, whatever --request-timeout says (connecting is always limited to 30s)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l qps -d 'Requests per second at most, on average (0: no limit)' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l burst -d 'Requests at most in a burst, before --qps applies' -r
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l color -d 'When to colour the output (NO_COLOR is honoured in auto mode)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -l insecure-skip-tls-verify -d 'If true, the server\'s certificate will not be checked for validity (insecure)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -s h -l help -d 'Print help'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand help; and not __fish_seen_subcommand_from scan explain clear preflight completion help" -f -a "scan" -d 'List every object stuck in Terminating, across all resource types'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand help; and not __fish_seen_subcommand_from scan explain clear preflight completion help" -f -a "explain" -d 'For each finalizer: who owns it, is it alive, what clearing skips, what to do'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand help; and not __fish_seen_subcommand_from scan explain clear preflight completion help" -f -a "clear" -d 'Remove finalizers safely: plan and diff, confirm, guarded patch, backup and audit'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand help; and not __fish_seen_subcommand_from scan explain clear preflight completion help" -f -a "preflight" -d 'Before uninstalling an operator: what carries its finalizers, and the order that avoids stranding it'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand help; and not __fish_seen_subcommand_from scan explain clear preflight completion help" -f -a "completion" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c kubectl-finalizers -n "__fish_kubectl_finalizers_using_subcommand help; and not __fish_seen_subcommand_from scan explain clear preflight completion help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

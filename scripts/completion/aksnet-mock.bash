# aksnet-mock.bash - bash completion for aksnet-mock(1), the mock ARM and
# Entra ID server: its flags (those of mocks/main.c), file names after the
# flags that take a file, and loopback addresses after --listen.
#
# Use: `source scripts/completion/aksnet-mock.bash`, or install it as
# /usr/share/bash-completion/completions/aksnet-mock.  It needs nothing from
# the bash-completion package.  scripts/check-docs.sh checks it against
# mocks/main.c.

_aksnet_mock()
{
    local flags='--listen --port-file --tls-cert --tls-key --lro-seconds --principal-delay
        --role-delay --token-lifetime --latency --throttle --journal --state --fault --client-secret --client-cert
        --federated-token --subscription --accept-any-client --identity-header --until-stdin-closes
        --help -h'
    local cur=${COMP_WORDS[COMP_CWORD]} prev=''
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    case $prev in
        --port-file | --tls-cert | --tls-key | --journal | --state)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0
            ;;
        --listen)
            mapfile -t COMPREPLY < <(compgen -W '127.0.0.1:0 [::1]:0 localhost:0' -- "$cur")
            return 0
            ;;
        --lro-seconds | --principal-delay | --role-delay | --token-lifetime | --latency | --fault | --client-secret | \
            --client-cert | --federated-token | --subscription | --identity-header)
            return 0 # a value of the user's own: nothing to offer
            ;;
    esac
    if [[ $cur == -* || -z $cur ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
    fi
    return 0
}

complete -F _aksnet_mock aksnet-mock

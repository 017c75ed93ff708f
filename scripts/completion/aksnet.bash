# aksnet.bash - bash completion for aksnet(1): its commands, the flags of the
# command being typed (the flag groups of src/cli/args.c, as src/cli/main.c
# gives them to each command), plan files (*.json) after -f/--file, folders
# after --plans, text|json
# after -o/--output, the known values of --network-plugin, --network-policy
# and --cloud, file names after --cacert, .json files after --write, and a
# command name after `help`.
#
# Use: `source scripts/completion/aksnet.bash`, or install it as
# /usr/share/bash-completion/completions/aksnet.  It needs nothing from the
# bash-completion package (bash 4 or later: mapfile, compopt).
# scripts/check-docs.sh checks it against args.c and `aksnet COMMAND --help`.

# The flags of one command (long and short), space-separated.
_aksnet_flags()
{
    local plan='-f --file --subscription --cloud -l --location -g --resource-group -n --name
        -c --node-count --max-pods --network-plugin --network-policy --pod-cidr --service-cidr
        --dns-service-ip --vnet-subnet-id --assign-identity --role-wait'
    local connect='--arm-endpoint --authority-host --cacert -v --verbose --request-timeout' # and --cloud
    local wait='--operation-timeout --cluster-timeout'
    local capacity='--max-pods --network-plugin --subnet-prefix --nodes --max-surge'
    local common='-o --output -h --help'
    case $1 in
        validate) echo "$plan --plans $common" ;;
        suggest) echo "$plan --taken --write --from-arm $connect $common" ;;
        capacity) echo "$capacity $common" ;;
        plan) echo "$plan --plans $connect --dry-run --parallel $common" ;;
        provision) echo "$plan --plans $connect $wait --dry-run --parallel $common" ;;
        destroy) echo "$plan --plans $connect $wait -y --yes --dry-run --parallel $common" ;;
        whoami) echo "--cloud $connect --dry-run $common" ;;
        *) echo "$common" ;; # version
    esac
}

# Complete the value of flag $1 for command $2 from the word $3.  Returns 1
# when $1 takes no value (the caller then completes flags).
_aksnet_value()
{
    local flag=$1 cmd=$2 cur=$3
    case $flag in
        -f | --file)
            # Plan files and directories to walk into; `-` reads standard input.
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.json' -- "$cur")
            [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
            ;;
        --plans)
            # A folder of plans (a fleet).
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            ;;
        --cacert)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            ;;
        --write)
            # The completed plan: a .json file (or - for standard output).
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.json' -- "$cur")
            [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
            ;;
        -o | --output)
            mapfile -t COMPREPLY < <(compgen -W 'text json' -- "$cur")
            ;;
        --network-plugin)
            # capacity sizes either plugin; aksnet provisions kubenet only.
            if [[ $cmd == capacity ]]; then
                mapfile -t COMPREPLY < <(compgen -W 'kubenet azure' -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W 'kubenet' -- "$cur")
            fi
            ;;
        --network-policy)
            mapfile -t COMPREPLY < <(compgen -W 'calico none' -- "$cur")
            ;;
        --cloud)
            mapfile -t COMPREPLY < <(compgen -W 'AzureCloud AzureChinaCloud AzureUSGovernment' -- "$cur")
            ;;
        --subscription | -l | --location | -g | --resource-group | -n | --name | -c | --node-count | \
            --max-pods | --pod-cidr | --service-cidr | --dns-service-ip | --vnet-subnet-id | \
            --assign-identity | --role-wait | --subnet-prefix | --nodes | --max-surge | --taken | \
            --arm-endpoint | --authority-host | --request-timeout | --operation-timeout | --cluster-timeout | \
            --parallel)
            COMPREPLY=() # free text: nothing to offer, and no flag either
            ;;
        *)
            return 1
            ;;
    esac
    return 0
}

_aksnet()
{
    local commands='validate capacity suggest plan provision destroy whoami version help'
    local cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd=${COMP_WORDS[1]-}
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    # The command itself.
    if ((COMP_CWORD <= 1)); then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W '--help -h --version' -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
        fi
        return 0
    fi

    # `aksnet help COMMAND`: one command name, then nothing.
    if [[ $cmd == help ]]; then
        ((COMP_CWORD == 2)) && mapfile -t COMPREPLY < <(compgen -W "${commands% help}" -- "$cur")
        return 0
    fi
    [[ " $commands " == *" $cmd "* ]] || return 0

    # --flag=value: bash splits it at `=` (COMP_WORDBREAKS), so the flag is
    # the word before `=`.
    if [[ $cur == = && $prev == --* ]]; then
        _aksnet_value "$prev" "$cmd" "" && return 0
    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
        _aksnet_value "${COMP_WORDS[COMP_CWORD - 2]}" "$cmd" "$cur" && return 0
    elif [[ $cur == --*=* ]]; then
        # COMP_WORDBREAKS without `=`: the word is whole.
        local flag=${cur%%=*}
        _aksnet_value "$flag" "$cmd" "${cur#*=}" || return 0
        local i
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=$flag=${COMPREPLY[i]}; done
        return 0
    fi

    # The value of the flag just typed.
    if [[ $prev == -* ]] && _aksnet_value "$prev" "$cmd" "$cur"; then
        return 0
    fi

    if [[ $cur == -* || -z $cur ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_aksnet_flags "$cmd")" -- "$cur")
    fi
    return 0
}

complete -F _aksnet aksnet

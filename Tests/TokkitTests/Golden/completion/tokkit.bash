#!/bin/bash

__tokkit_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__tokkit_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__tokkit_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__tokkit_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_tokkit() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __tokkit_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    prep|dedup|decontaminate|select|mix|synth|train|count|encode|decode|inspect|show|shard|compare|roundtrip|help)
        # Offer subcommand argument completions
        "_tokkit_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'prep dedup decontaminate select mix synth train count encode decode inspect show shard compare roundtrip help' -- "${cur}"))
        ;;
    esac
}

_tokkit_prep() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --quiet --resume --explain --version -h --help)
    repeating_options=()
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level --rank --world-size --threads --preset --blocklists --public-suffix-list --merge-stats)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--rank')
        return
        ;;
    '--world-size')
        return
        ;;
    '--threads')
        return
        ;;
    '--preset')
        return
        ;;
    '--blocklists')
        return
        ;;
    '--public-suffix-list')
        return
        ;;
    '--merge-stats')
        return
        ;;
    esac
}

_tokkit_dedup() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __tokkit_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    minhash|exact|lines)
        # Offer subcommand argument completions
        "_tokkit_dedup_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'minhash exact lines' -- "${cur}"))
        ;;
    esac
}

_tokkit_dedup_minhash() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --quiet --resume --version -h --help)
    repeating_options=()
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level --threads --threshold --permutations --buckets --rows --ngram --seed --keep --memory-mb --scratch --clusters)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--threads')
        return
        ;;
    '--threshold')
        return
        ;;
    '--permutations')
        return
        ;;
    '--buckets')
        return
        ;;
    '--rows')
        return
        ;;
    '--ngram')
        return
        ;;
    '--seed')
        return
        ;;
    '--keep')
        __tokkit_add_completions -W 'first'$'\n''datatrove'
        return
        ;;
    '--memory-mb')
        return
        ;;
    '--scratch')
        return
        ;;
    '--clusters')
        return
        ;;
    esac
}

_tokkit_dedup_exact() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --quiet --resume --version -h --help)
    repeating_options=(--against)
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level --threads --normalize)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--threads')
        return
        ;;
    '--normalize')
        __tokkit_add_completions -W 'none'$'\n''whitespace'$'\n''nfc'$'\n''simplified'
        return
        ;;
    '--against')
        return
        ;;
    esac
}

_tokkit_dedup_lines() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --quiet --resume --version -h --help)
    repeating_options=()
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level --threads --span-lines --split --min-doc-words --min-sentences --min-words-to-remove-span --hash --precision --false-positive-rate --expected-spans)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--threads')
        return
        ;;
    '--span-lines')
        return
        ;;
    '--split')
        __tokkit_add_completions -W 'lines'$'\n''sentences'
        return
        ;;
    '--min-doc-words')
        return
        ;;
    '--min-sentences')
        return
        ;;
    '--min-words-to-remove-span')
        return
        ;;
    '--hash')
        __tokkit_add_completions -W 'xxhash'$'\n''sha1'
        return
        ;;
    '--precision')
        return
        ;;
    '--false-positive-rate')
        return
        ;;
    '--expected-spans')
        return
        ;;
    esac
}

_tokkit_decontaminate() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --quiet --resume --version -h --help)
    repeating_options=(--eval)
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level --threads --eval-text-key --eval-format --ngram --min-matches --mode)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--threads')
        return
        ;;
    '--eval')
        return
        ;;
    '--eval-text-key')
        return
        ;;
    '--eval-format')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--ngram')
        return
        ;;
    '--min-matches')
        return
        ;;
    '--mode')
        __tokkit_add_completions -W 'remove'$'\n''flag'
        return
        ;;
    esac
}

_tokkit_select() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __tokkit_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    score|dsir|classifier)
        # Offer subcommand argument completions
        "_tokkit_select_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'score dsir classifier' -- "${cur}"))
        ;;
    esac
}

_tokkit_select_score() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --resume --keep-missing --version -h --help)
    repeating_options=()
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level --key --minimum)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--key')
        return
        ;;
    '--minimum')
        return
        ;;
    esac
}

_tokkit_select_dsir() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --resume --top-k --version -h --help)
    repeating_options=(--target)
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level -k --seed --min-length --buckets)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--target')
        return
        ;;
    '-k')
        return
        ;;
    '--seed')
        return
        ;;
    '--min-length')
        return
        ;;
    '--buckets')
        return
        ;;
    esac
}

_tokkit_select_classifier() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --removed --resume --version -h --help)
    repeating_options=(--positive --negative)
    non_repeating_options=(--docs --jsonl-field --id-key -o --output --compression --level --model --save-model --threshold --pareto-alpha --seed --buckets --epochs)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--compression')
        __tokkit_add_completions -W 'none'$'\n''gzip'$'\n''zstd'
        return
        ;;
    '--level')
        return
        ;;
    '--positive')
        return
        ;;
    '--negative')
        return
        ;;
    '--model')
        return
        ;;
    '--save-model')
        return
        ;;
    '--threshold')
        return
        ;;
    '--pareto-alpha')
        return
        ;;
    '--seed')
        return
        ;;
    '--buckets')
        return
        ;;
    '--epochs')
        return
        ;;
    esac
}

_tokkit_mix() {
    repeating_flags=()
    non_repeating_flags=(--quiet --resume --version -h --help)
    repeating_options=()
    non_repeating_options=(-o --output --budget --threads)
    __tokkit_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-o'|'--output')
        return
        ;;
    '--budget')
        return
        ;;
    '--threads')
        return
        ;;
    esac
}

_tokkit_synth() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __tokkit_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    requests|ingest)
        # Offer subcommand argument completions
        "_tokkit_synth_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'requests ingest' -- "${cur}"))
        ;;
    esac
}

_tokkit_synth_requests() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(-o --output)
    __tokkit_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-o'|'--output')
        return
        ;;
    esac
}

_tokkit_synth_ingest() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(-o --output)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-o'|'--output')
        return
        ;;
    esac
}

_tokkit_train() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --specials-first --quiet --force --version -h --help)
    repeating_options=(--counts --special)
    non_repeating_options=(--docs --jsonl-field --id-key --pattern --pattern-regex --regex-engine --vocab-size --min-frequency --max-token-length --tie-policy --threads -o --output --name)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--counts')
        return
        ;;
    '--vocab-size')
        return
        ;;
    '--min-frequency')
        return
        ;;
    '--special')
        return
        ;;
    '--max-token-length')
        return
        ;;
    '--tie-policy')
        __tokkit_add_completions -W 'hf'$'\n''bytes'
        return
        ;;
    '--threads')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_tokkit_count() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __tokkit_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    corpus|reduce)
        # Offer subcommand argument completions
        "_tokkit_count_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'corpus reduce' -- "${cur}"))
        ;;
    esac
}

_tokkit_count_corpus() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--docs --jsonl-field --id-key --pattern --pattern-regex --regex-engine --rank --world-size -o --output --threads)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--rank')
        return
        ;;
    '--world-size')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--threads')
        return
        ;;
    esac
}

_tokkit_count_reduce() {
    repeating_flags=()
    non_repeating_flags=(--quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(-o --output)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '-o'|'--output')
        return
        ;;
    esac
}

_tokkit_encode() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --ordinary --quiet --version -h --help)
    repeating_options=(--special)
    non_repeating_options=(--vocab --merges --pattern --pattern-regex --regex-engine --docs --jsonl-field --id-key --rank --world-size --format --allow-special --disallow-special --threads -o --output)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--merges')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--special')
        return
        ;;
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '--rank')
        return
        ;;
    '--world-size')
        return
        ;;
    '--format')
        __tokkit_add_completions -W 'text'$'\n''json'$'\n''uint16'$'\n''uint32'
        return
        ;;
    '--allow-special')
        return
        ;;
    '--disallow-special')
        return
        ;;
    '--threads')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_tokkit_decode() {
    repeating_flags=()
    non_repeating_flags=(--bytes --quiet --version -h --help)
    repeating_options=(--special)
    non_repeating_options=(--vocab --merges --pattern --pattern-regex --regex-engine --format -o --output --threads)
    __tokkit_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--merges')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--special')
        return
        ;;
    '--format')
        __tokkit_add_completions -W 'text'$'\n''json'$'\n''uint16'$'\n''uint32'
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--threads')
        return
        ;;
    esac
}

_tokkit_inspect() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=(--special)
    non_repeating_options=(--vocab --merges --pattern --pattern-regex --regex-engine --longest)
    __tokkit_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--merges')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--special')
        return
        ;;
    '--longest')
        return
        ;;
    esac
}

_tokkit_show() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --ids --allow-special --version -h --help)
    repeating_options=(--special)
    non_repeating_options=(--vocab --merges --pattern --pattern-regex --regex-engine --docs --jsonl-field --id-key --color)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--merges')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--special')
        return
        ;;
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '--color')
        __tokkit_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    esac
}

_tokkit_shard() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __tokkit_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    write|merge|verify|inspect)
        # Offer subcommand argument completions
        "_tokkit_shard_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'write merge verify inspect' -- "${cur}"))
        ;;
    esac
}

_tokkit_shard_write() {
    repeating_flags=()
    non_repeating_flags=(--skip-bad-lines --lossy --keep-newlines --quiet --resume --force --version -h --help)
    repeating_options=(--special)
    non_repeating_options=(--vocab --merges --pattern --pattern-regex --regex-engine --docs --jsonl-field --id-key --rank --world-size -o --output --format --prefix --shard-tokens --val-tokens --token-width --end-token --threads)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--merges')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--special')
        return
        ;;
    '--docs')
        __tokkit_add_completions -W 'lines'$'\n''paragraphs'$'\n''file'$'\n''jsonl'
        return
        ;;
    '--jsonl-field')
        return
        ;;
    '--id-key')
        return
        ;;
    '--rank')
        return
        ;;
    '--world-size')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    '--format')
        __tokkit_add_completions -W 'llmc'$'\n''nanogpt'$'\n''megatron'
        return
        ;;
    '--prefix')
        return
        ;;
    '--shard-tokens')
        return
        ;;
    '--val-tokens')
        return
        ;;
    '--token-width')
        __tokkit_add_completions -W 'auto'$'\n''uint16'$'\n''uint32'
        return
        ;;
    '--end-token')
        return
        ;;
    '--threads')
        return
        ;;
    esac
}

_tokkit_shard_merge() {
    repeating_flags=()
    non_repeating_flags=(--finalize --force --remove-parts --version -h --help)
    repeating_options=()
    non_repeating_options=(--rank --world-size)
    __tokkit_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--rank')
        return
        ;;
    '--world-size')
        return
        ;;
    esac
}

_tokkit_shard_verify() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __tokkit_offer_flags_options 1
}

_tokkit_shard_inspect() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--special)
    non_repeating_options=(--vocab --merges --pattern --pattern-regex --regex-engine --documents --token-width --end-token)
    __tokkit_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--merges')
        return
        ;;
    '--pattern')
        __tokkit_add_completions -W 'gpt2'$'\n''cl100k'$'\n''o200k'$'\n''qwen2'
        return
        ;;
    '--pattern-regex')
        return
        ;;
    '--regex-engine')
        __tokkit_add_completions -W 'auto'$'\n''icu'$'\n''scanner'
        return
        ;;
    '--special')
        return
        ;;
    '--documents')
        return
        ;;
    '--token-width')
        __tokkit_add_completions -W 'uint16'$'\n''uint32'
        return
        ;;
    '--end-token')
        return
        ;;
    esac
}

_tokkit_compare() {
    repeating_flags=()
    non_repeating_flags=(--speed --no-speed --lossy --version -h --help)
    repeating_options=(--vocab)
    non_repeating_options=(--format --html --ext --timing-ms -o --output)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--format')
        __tokkit_add_completions -W 'text'$'\n''markdown'$'\n''csv'$'\n''json'
        return
        ;;
    '--html')
        return
        ;;
    '--ext')
        return
        ;;
    '--timing-ms')
        return
        ;;
    '-o'|'--output')
        return
        ;;
    esac
}

_tokkit_roundtrip() {
    repeating_flags=()
    non_repeating_flags=(--lossy --version -h --help)
    repeating_options=(--vocab)
    non_repeating_options=(--random --seed --max-length --ext)
    __tokkit_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--vocab')
        return
        ;;
    '--random')
        return
        ;;
    '--seed')
        return
        ;;
    '--max-length')
        return
        ;;
    '--ext')
        return
        ;;
    esac
}

_tokkit_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __tokkit_offer_flags_options -1
}

complete -o filenames -F _tokkit tokkit

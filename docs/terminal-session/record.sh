#!/usr/bin/env bash
# Records docs/terminal-session.md's captures: `provision plan` and `apply` of portal-config/
# against a new sandbox, on a terminal (tmux: colours kept by capture-pane -e; script(1): the
# raw stream, progress frames included) and piped. Run from the repository root:
#   bash docs/terminal-session/record.sh
set -euo pipefail
out=docs/terminal-session
provision=${PROVISION:-.venv/bin/provision}
work=$(mktemp -d)
trap 'rm -rf "$work"; tmux kill-session -t provision-rec 2>/dev/null || true' EXIT
unset NO_COLOR B24_WEBHOOK_URL

# 1. On a terminal: tmux, 160 columns; the screen with its colours after each command.
tmux new-session -d -s provision-rec -x 160 -y 300 "bash --norc --noprofile"
tmux send-keys -t provision-rec "export PS1='$ ' TERM=xterm-256color; clear" Enter
tmux send-keys -t provision-rec "$provision plan portal-config --sandbox-state $work/a.json; \
$provision apply portal-config --auto-approve --sandbox-state $work/a.json; echo done-rec" Enter
for _ in $(seq 120); do
  tmux capture-pane -t provision-rec -p | grep -q '^done-rec' && break
  sleep 0.5
done
tmux capture-pane -t provision-rec -e -p -S - > "$out/terminal.ansi"

# 2. The raw stream of an apply on a terminal (script(1)): every progress frame on stderr.
TERM=xterm-256color script -q -e -c "$provision apply portal-config --auto-approve \
--sandbox-state $work/b.json" "$out/apply.typescript" > /dev/null

# 3. The same commands piped: neither colour nor progress.
{ $provision plan portal-config --sandbox-state "$work/c.json" 2>&1
  $provision apply portal-config --auto-approve --sandbox-state "$work/c.json" 2>&1; } \
  | cat > "$out/piped.txt"

# Sourced by cases' prepare.sh (cwd = the build context): make the generated, larger parts of a
# typical project tree. Deterministic: every byte depends only on the arguments.
gen() { # gen PATH BYTES  -- text file of exactly BYTES bytes
	mkdir -p "$(dirname "$1")"
	yes "generated line for $1 0123456789abcdefghijklmnopqrstuvwxyz" | head -c "$2" > "$1"
}
make_project_tree() {
	gen logs/app.log 200000
	gen logs/old/debug.log 100000
	gen data/blob.txt 500000
	gen .git/objects/pack/pack-0001.pack 300000
	gen .git/HEAD 23
	for i in $(seq 1 50); do gen "node_modules/pkg$i/index.js" 2000; done
}

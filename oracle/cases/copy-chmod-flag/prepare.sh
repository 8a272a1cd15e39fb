. "$ORACLE_DIR/lib/tree.sh"
make_project_tree

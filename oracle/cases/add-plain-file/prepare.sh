. "$ORACLE_DIR/lib/tree.sh"
gen big.txt 2000000

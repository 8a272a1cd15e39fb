. "$ORACLE_DIR/lib/tree.sh"
gen big.txt 3000000
gen keep.txt 1000

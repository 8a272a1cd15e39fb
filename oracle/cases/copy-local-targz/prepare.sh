. "$ORACLE_DIR/lib/tree.sh"
gen payload/share/big.txt 1000000
# deterministic archive: fixed order, owner and mtime; gzip -n drops name and time
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 -cf - payload | gzip -n -9 > payload.tar.gz
rm -rf payload

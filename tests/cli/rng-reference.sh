. "$DH_SRCDIR/tests/lib.sh"
finish

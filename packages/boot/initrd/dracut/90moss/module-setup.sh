#!/bin/bash
# dracut module "moss": boot-time rollback for moss roots. In the initrd, moss-fstx.service runs
# /usr/lib/moss/moss-fstx on /sysroot after sysroot.mount and before initrd-root-fs.target,
# which activates the state named by moss.fstx=<id> on the kernel command line (every boot
# entry moss writes carries it) when that state is not the live one.
#
# Installed as /usr/lib/dracut/modules.d/90moss by `make install` in @serpent/boot's initrd/.
# MOSS_FSTX names the helper to put in the initrd when it is not /usr/lib/moss/moss-fstx
# (a build tree, a test); it always lands at /usr/lib/moss/moss-fstx in the initrd.

moss_fstx_source() {
    echo "${MOSS_FSTX:-${dracutsysrootdir-}/usr/lib/moss/moss-fstx}"
}

# called by dracut
check() {
    [[ -x "$(moss_fstx_source)" ]] || return 1
    # A host-only initrd gets it only when the host's /usr is a moss state.
    if [[ $hostonly ]] && [[ ! -e "${dracutsysrootdir-}/usr/.stateID" ]]; then
        return 255
    fi
    return 0
}

# called by dracut
depends() {
    # The unit is a systemd one; a shell-only dracut initrd would run the helper from a
    # pre-pivot hook instead (not provided).
    echo systemd
    return 0
}

# called by dracut
install() {
    inst_binary "$(moss_fstx_source)" /usr/lib/moss/moss-fstx
    inst_simple "$moddir/moss-fstx.service" "$systemdsystemunitdir/moss-fstx.service"
    $SYSTEMCTL -q --root "$initdir" add-wants initrd-root-fs.target moss-fstx.service
}

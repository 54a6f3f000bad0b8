// SPDX-License-Identifier: MPL-2.0
//
// moss-fstx: makes the moss state picked in the boot menu the root's /usr, in the initrd,
// before the switch to the root. Every boot entry moss writes carries `moss.fstx=<state id>`;
// when that state is not the live one, this program does what `moss state activate <id>
// --skip-triggers` does, with the same steps and the same journal, so moss's own recovery
// settles a power cut at any point (see "Crash safety" below):
//
//   1. write .moss/journal.json (kind "activate", the target tree's inode), fsync
//   2. rename .moss/root/<id>/usr        -> .moss/root/staging/usr
//   3. renameat2(RENAME_EXCHANGE) staging/usr <-> usr           (the one atomic switch)
//   4. rename .moss/root/staging/usr     -> .moss/root/<previous>/usr
//   5. rmdir  .moss/root/<id>
//   6. rename .moss/journal.json         -> .moss/boot-activation.json
//
// Each step's directories are fsynced before the next step starts, so after a power cut the
// disk shows a prefix of the steps. moss reads the journal exactly as after its own
// interrupted `state activate`: /usr carrying the target's inode proves the exchange happened
// (complete: archive, clean up), otherwise it puts the target's tree back (roll back). The
// marker of step 6 tells the next moss run that the state changed outside moss, so it re-ranks
// the boot entries (the chosen state becomes the default) and deletes the marker. The state
// database needs no change: an activation writes no rows, and the live state is read from
// /usr/.stateID alone.
//
// It never stops the boot. When there is nothing to do or it must not act (the state is
// already live, unknown or its tree missing, a moss transaction is pending, the root is
// read-only), it says why on the console and the root boots as it is.
//
// Usage: moss-fstx [--cmdline FILE] [SYSROOT]     (defaults: /proc/cmdline, /sysroot)
// Exit status: 0 activated or nothing to do, 1 an error (the message says what is live), 2 usage.
// MOSS_FSTX_FAULT_KILL_AT=<step> (journal, staged, exchanged, archived, cleaned) makes it
// SIGKILL itself after that step: the crash tests use it, as moss's MOSS_FAULT_KILL_AT.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define JOURNAL ".moss/journal.json"
#define JOURNAL_TEMP ".moss/.journal.json.moss-fstx"
#define MARKER ".moss/boot-activation.json"
#define ROOTS ".moss/root"
#define STAGING ".moss/root/staging"
#define STAGING_USR ".moss/root/staging/usr"

// State ids are JSON numbers in the journal: at most 15 digits keeps them exact in a double.
#define MAX_ID_DIGITS 15

static const char *sysroot = "/sysroot";
static int root_fd = -1;

static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("moss-fstx: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void fault(const char *step) {
  const char *at = getenv("MOSS_FSTX_FAULT_KILL_AT");
  if (at != NULL && strcmp(at, step) == 0) raise(SIGKILL);
}

// A state id: 1 to MAX_ID_DIGITS decimal digits, not zero. Returns 0 when `s` is not one.
static unsigned long long parse_id(const char *s, size_t len) {
  if (len == 0 || len > MAX_ID_DIGITS) return 0;
  unsigned long long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (unsigned long long)(s[i] - '0');
  }
  return v;
}

// The value of the last `moss.fstx=` on the command line (the kernel's rule: the last wins).
// Words are split on blanks outside double quotes, as the kernel splits them.
// Returns 0 when there is none; -1 (as all ones) when the last one is not a state id.
static unsigned long long requested_id(const char *path, const char **raw) {
  static char buf[65536];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    say("cannot read %s: %s", path, strerror(errno));
    return 0;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) n = 0;
  buf[n] = '\0';
  const char *key = "moss.fstx=";
  size_t keylen = strlen(key);
  unsigned long long id = 0;
  *raw = NULL;
  char *p = buf;
  while (*p != '\0') {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    char *word = p;
    int quoted = 0;
    while (*p != '\0' && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
      if (*p == '"') quoted = !quoted;
      p++;
    }
    size_t len = (size_t)(p - word);
    if (*p != '\0') *p++ = '\0';
    if (len >= keylen && strncmp(word, key, keylen) == 0) {
      // The kernel takes `moss.fstx="12"` as 12; so does this.
      const char *value = word + keylen;
      size_t vlen = len - keylen;
      *raw = value;
      if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value++;
        vlen -= 2;
      }
      id = parse_id(value, vlen);
      if (id == 0) id = (unsigned long long)-1;
    }
  }
  return id;
}

// The id in `<dir>/.stateID` (digits, then optional blanks, as moss writes it), or 0.
static unsigned long long tree_state_id(const char *dir) {
  char path[256];
  char text[32];
  snprintf(path, sizeof path, "%s/.stateID", dir);
  int fd = openat(root_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return 0;
  size_t len = (size_t)n;
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t' ||
                     text[len - 1] == '\r'))
    len--;
  return parse_id(text, len);
}

// 1 when `path` is a real directory (not a symlink to one), 0 when it is anything else or absent.
static int is_dir(const char *path) {
  struct stat st;
  return fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *path) {
  struct stat st;
  return fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// fsync of a directory: makes the renames and new entries in it durable.
static int sync_dir(const char *path) {
  int fd = openat(root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return r;
}

static int sync_dirs(const char *a, const char *b) {
  return sync_dir(a) == 0 && (b == NULL || sync_dir(b) == 0) ? 0 : -1;
}

// The journal moss writes for `state activate`, plus "origin", so moss can tell who wrote it.
// Written to a temporary name, fsynced, renamed, and the directory fsynced: it exists whole or
// not at all.
static int write_journal(unsigned long long target, unsigned long long previous, unsigned long long ino) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  unsigned long long ms = (unsigned long long)now.tv_sec * 1000ULL + (unsigned long long)now.tv_nsec / 1000000ULL;
  char json[512];
  int len = snprintf(json, sizeof json,
                     "{\"version\":1,\"kind\":\"activate\",\"targetId\":%llu,\"previousId\":%llu,"
                     "\"startedAt\":%llu,\"stagedInode\":%llu,\"skipTriggers\":true,\"origin\":\"initrd\"}\n",
                     target, previous, ms, ino);
  int fd = openat(root_fd, JOURNAL_TEMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (write(fd, json, (size_t)len) != len || fsync(fd) != 0) {
    int saved = errno ? errno : EIO;
    close(fd);
    unlinkat(root_fd, JOURNAL_TEMP, 0);
    errno = saved;
    return -1;
  }
  close(fd);
  if (renameat(root_fd, JOURNAL_TEMP, root_fd, JOURNAL) != 0) {
    int saved = errno;
    unlinkat(root_fd, JOURNAL_TEMP, 0);
    errno = saved;
    return -1;
  }
  return sync_dir(".moss");
}

static int drop_journal(void) {
  if (unlinkat(root_fd, JOURNAL, 0) != 0) return -1;
  return sync_dir(".moss");
}

static int usage(void) {
  fputs("usage: moss-fstx [--cmdline FILE] [SYSROOT]\n"
        "Activates the moss state named by moss.fstx=<id> on the kernel command line on the\n"
        "root mounted at SYSROOT (default /sysroot), before the initrd switches to it.\n",
        stderr);
  return 2;
}

int main(int argc, char **argv) {
  const char *cmdline = "/proc/cmdline";
  int positional = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cmdline") == 0 && i + 1 < argc) {
      cmdline = argv[++i];
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage();
      return 0;
    } else if (argv[i][0] != '-' && positional++ == 0) {
      sysroot = argv[i];
    } else {
      return usage();
    }
  }

  const char *raw = NULL;
  unsigned long long target = requested_id(cmdline, &raw);
  if (target == 0) {
    say("no moss.fstx= on the kernel command line; nothing to do");
    return 0;
  }
  if (target == (unsigned long long)-1) {
    say("moss.fstx=%s is not a state id; booting the root as it is", raw);
    return 0;
  }

  root_fd = open(sysroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) {
    say("cannot open the root %s: %s; booting it as it is", sysroot, strerror(errno));
    return 1;
  }
  if (!is_dir("usr")) {
    say("%s/usr is not a directory; booting the root as it is", sysroot);
    return 0;
  }
  unsigned long long live = tree_state_id("usr");
  if (live == 0) {
    say("%s/usr has no moss state id (.stateID); booting it as it is", sysroot);
    return 0;
  }
  if (live == target) {
    say("state %llu is already active", target);
    return 0;
  }
  if (exists(JOURNAL)) {
    say("a moss transaction was interrupted (%s/%s); booting state %llu as it is: the next moss "
        "run settles it, then `moss state activate %llu` makes state %llu live",
        sysroot, JOURNAL, live, target, target);
    return 0;
  }

  char target_dir[64], target_usr[64], archive_dir[64], archive_usr[64];
  snprintf(target_dir, sizeof target_dir, ROOTS "/%llu", target);
  snprintf(target_usr, sizeof target_usr, ROOTS "/%llu/usr", target);
  snprintf(archive_dir, sizeof archive_dir, ROOTS "/%llu", live);
  snprintf(archive_usr, sizeof archive_usr, ROOTS "/%llu/usr", live);

  if (!is_dir(target_usr)) {
    say("state %llu has no tree in %s/%s (unknown or pruned); booting state %llu", target, sysroot, target_usr,
        live);
    return 0;
  }
  unsigned long long archived = tree_state_id(target_usr);
  if (archived != target) {
    say("%s/%s is not the tree of state %llu (its .stateID says %llu); booting state %llu", sysroot, target_usr,
        target, archived, live);
    return 0;
  }
  if (exists(archive_dir) && !is_dir(archive_dir)) {
    say("%s/%s is not a directory, where the tree of state %llu would be archived; booting state %llu",
        sysroot, archive_dir, live, live);
    return 0;
  }
  if (exists(archive_usr)) {
    say("%s/%s already exists, where the tree of state %llu would be archived; booting state %llu", sysroot,
        archive_usr, live, live);
    return 0;
  }
  // moss leaves no staging tree behind without a journal; the original moss can leave an empty
  // one (a first install that had no /usr to archive), which is removed. Anything else is kept
  // for moss to look at.
  if (exists(STAGING_USR) && unlinkat(root_fd, STAGING_USR, AT_REMOVEDIR) != 0) {
    say("%s/%s is left over from an earlier moss run; booting state %llu (any moss command cleans it up)",
        sysroot, STAGING_USR, live);
    return 0;
  }
  if (mkdirat(root_fd, STAGING, 0755) != 0 && errno != EEXIST) {
    say("cannot create %s/%s: %s; booting state %llu%s", sysroot, STAGING, strerror(errno), live,
        errno == EROFS ? " (the root is mounted read-only: boot entries need `rw`)" : "");
    return 1;
  }
  struct stat st;
  if (fstatat(root_fd, target_usr, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    say("cannot stat %s/%s: %s; booting state %llu", sysroot, target_usr, strerror(errno), live);
    return 1;
  }

  say("activating state %llu (state %llu was live)", target, live);

  // 1. The journal, before anything moves: from here on moss's recovery knows what happened.
  if (write_journal(target, live, (unsigned long long)st.st_ino) != 0) {
    say("cannot write %s/%s: %s; booting state %llu", sysroot, JOURNAL, strerror(errno), live);
    return 1;
  }
  fault("journal");

  // 2. The target's tree into staging, as `moss state activate` does.
  if (renameat(root_fd, target_usr, root_fd, STAGING_USR) != 0 || sync_dirs(target_dir, STAGING) != 0) {
    say("cannot move %s/%s into staging: %s; booting state %llu", sysroot, target_usr, strerror(errno), live);
    // Undone in the order it was done; if this fails too, moss's recovery puts it back.
    if (!exists(STAGING_USR) || renameat(root_fd, STAGING_USR, root_fd, target_usr) == 0) drop_journal();
    return 1;
  }
  fault("staged");

  // 3. The switch: one atomic exchange of the two trees.
  if (syscall(SYS_renameat2, root_fd, STAGING_USR, root_fd, "usr", RENAME_EXCHANGE) != 0) {
    say("cannot exchange %s/usr with state %llu's tree: %s; booting state %llu", sysroot, target,
        strerror(errno), live);
    if (renameat(root_fd, STAGING_USR, root_fd, target_usr) == 0 && sync_dirs(STAGING, target_dir) == 0)
      drop_journal();
    return 1;
  }
  if (sync_dirs(STAGING, ".") != 0) {
    say("cannot flush the exchange: %s; state %llu is live, the next moss run completes it", strerror(errno),
        target);
    return 1;
  }
  fault("exchanged");

  // 4. The tree that was live is archived under its own id, where moss looks for it.
  if ((mkdirat(root_fd, archive_dir, 0755) != 0 && errno != EEXIST) ||
      renameat(root_fd, STAGING_USR, root_fd, archive_usr) != 0 || sync_dirs(archive_dir, STAGING) != 0 ||
      sync_dir(ROOTS) != 0) {
    say("state %llu is live, but archiving state %llu's tree failed: %s; the next moss run archives it",
        target, live, strerror(errno));
    return 1;
  }
  fault("archived");

  // 5. The target's archive directory is empty now that its tree is live.
  if (unlinkat(root_fd, target_dir, AT_REMOVEDIR) == 0) sync_dir(ROOTS);
  fault("cleaned");

  // 6. Done: the journal becomes the marker that asks the next moss run to update the boot menu.
  if (renameat(root_fd, JOURNAL, root_fd, MARKER) != 0 || sync_dir(".moss") != 0) {
    say("state %llu is live; the journal could not be retired (%s): the next moss run completes it", target,
        strerror(errno));
    return 1;
  }
  say("state %llu is active; the next moss run makes it the boot menu's default", target);
  return 0;
}

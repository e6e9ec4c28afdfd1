//go:build linux

package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// trimCodePages makes this process keep only the pages of its own
// executable that it reads, once its start-up is done.
//
// The kernel maps a file's pages around each page fault (fault-around,
// 64 KiB), and most of the binary's 33 MiB of code, function tables and
// read-only data (26 MiB resident) is mapped so: a single function run
// once brings in its neighbours. MADV_RANDOM turns fault-around (and
// read-ahead) off for the read-only mappings of the executable, and
// MADV_DONTNEED drops what start-up mapped, so the pages come back one by
// one as they are read again: ~4 MiB less resident after a load and ~6
// MiB at start, measured (docs/benchmarks.md). The cost is more minor
// faults (a page from the page cache) while code runs for the first time.
//
// Only private, read-only mappings of the executable file that hold no
// anonymous page are dropped: their pages are the file's, and are read
// back as they were. A mapping with anonymous pages (a dynamic linker's
// relocations in a PIE or cgo build) keeps them; it only gets
// MADV_RANDOM. It returns the bytes advised.
func trimCodePages() (int64, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, err
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	var total int64
	for _, m := range codeMappings(smaps, exe) {
		if err := madvise(m.start, m.end-m.start, syscall.MADV_RANDOM); err != nil {
			return total, err
		}
		if m.anonymous == 0 {
			if err := madvise(m.start, m.end-m.start, syscall.MADV_DONTNEED); err != nil {
				return total, err
			}
		}
		total += int64(m.end - m.start)
	}
	return total, nil
}

func madvise(addr, length uintptr, advice int) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, length, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}

// codeMapping is one mapping of /proc/self/smaps.
type codeMapping struct {
	start, end uintptr
	anonymous  int64 // kB of anonymous (copied-on-write) pages; -1: unknown
}

// codeMappings returns the private, read-only mappings of file exe in
// smaps (the text of /proc/PID/smaps), with their anonymous kB.
func codeMappings(smaps []byte, exe string) []codeMapping {
	var (
		out []codeMapping
		cur *codeMapping // the mapping whose fields are being read, if kept
	)
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		if m, ok := mappingHeader(f); ok {
			cur = nil
			if len(f) >= 6 && string(bytes.Join(f[5:], []byte(" "))) == exe && len(f[1]) == 4 &&
				f[1][0] == 'r' && f[1][1] == '-' && f[1][3] == 'p' {
				m.anonymous = -1 // until its Anonymous line says otherwise
				out = append(out, m)
				cur = &out[len(out)-1]
			}
			continue
		}
		if cur != nil && len(f) >= 2 && string(f[0]) == "Anonymous:" {
			if kb, err := strconv.ParseInt(string(f[1]), 10, 64); err == nil {
				cur.anonymous = kb
			} else {
				cur.anonymous = -1 // unreadable: treat as holding some
			}
		}
	}
	return out
}

// mappingHeader parses the first field of a mapping's header line,
// "start-end" in hex, and reports whether the line is one.
func mappingHeader(f [][]byte) (codeMapping, bool) {
	lo, hi, ok := bytes.Cut(f[0], []byte("-"))
	if !ok || len(f) < 5 {
		return codeMapping{}, false
	}
	start, err1 := strconv.ParseUint(string(lo), 16, 64)
	end, err2 := strconv.ParseUint(string(hi), 16, 64)
	if err1 != nil || err2 != nil || end <= start {
		return codeMapping{}, false
	}
	return codeMapping{start: uintptr(start), end: uintptr(end)}, true
}

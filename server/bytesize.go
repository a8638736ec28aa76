package server

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a number of bytes as a flag is given it, written with a unit: 4GiB, 500MB, 40MiB, 1024.
type ByteSize int64

func (b *ByteSize) String() string {
	if b == nil || *b == 0 {
		return ""
	}
	return strconv.FormatInt(int64(*b), 10)
}

// byteUnits are the units a size may be written in, longest suffix first.
var byteUnits = []struct {
	suffix string
	n      int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1},
}

func (b *ByteSize) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	unit := int64(1)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, unit = strings.TrimSpace(rest), u.n
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 1 || n*float64(unit) > 1<<62 {
		return fmt.Errorf("give a size of at least 1 byte, such as 500MiB or 4GiB")
	}
	*b = ByteSize(n * float64(unit))
	return nil
}

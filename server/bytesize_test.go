package server

import "testing"

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // 0: refused
	}{
		{"1024", 1024}, {"4GiB", 4 << 30}, {"500MB", 500e6}, {"40mib", 40 << 20}, {" 2 k ", 2048},
		{"1.5KiB", 1536}, {"1b", 1}, {"0", 0}, {"-1MiB", 0}, {"lots", 0}, {"", 0}, {"9999999TiB", 0},
	}
	for _, tt := range tests {
		var b ByteSize
		err := b.Set(tt.in)
		if tt.want == 0 {
			if err == nil {
				t.Errorf("%q: taken as %d", tt.in, b)
			}
			continue
		}
		if err != nil || int64(b) != tt.want {
			t.Errorf("%q: %d, %v; want %d", tt.in, b, err, tt.want)
		}
	}
}

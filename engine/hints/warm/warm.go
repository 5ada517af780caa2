package warm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/engine/hints/replay"
)

// DefaultCount is the SCAN COUNT when Warmer.Count or Compare.Count is 0.
const DefaultCount = 1000

// Progress is where a warm-up stands.
type Progress struct {
	Scanned int64         // keys the source's SCAN returned so far
	Copied  int64         // keys copied (owned ones)
	Total   int64         // DBSIZE of the source at the start
	Rate    float64       // keys scanned per second in this run
	ETA     time.Duration // remaining time at Rate; 0 when unknown or done
	Done    bool
}

// String is the progress line: keys, keys/s, ETA.
func (p Progress) String() string {
	eta := "-"
	if p.ETA > 0 {
		eta = p.ETA.Round(time.Second).String()
	}
	return fmt.Sprintf("scanned %d/%d keys, copied %d, %.0f keys/s, ETA %s", p.Scanned, p.Total, p.Copied, p.Rate, eta)
}

// Warmer copies the keys Owns accepts from Src to Dst.
type Warmer struct {
	Src, Dst   *replay.Conn
	Owns       func(key []byte) bool
	Checkpoint string         // file of the saved cursor; "" for none
	Count      int            // SCAN COUNT; 0: DefaultCount
	Batch      int            // keys per copy round trip with a Limiter; 0: replay.DefaultBatch (without one, a whole SCAN page)
	Limiter    replay.Limiter // nil: no limit
	Progress   func(Progress) // called after every page, may be nil
}

// Run walks the source from the checkpoint's cursor (or from the start)
// to the end, copying owned keys, and removes the checkpoint when done. On
// error or cancellation the checkpoint holds the cursor of the last page
// copied whole; Run again resumes there.
func (w *Warmer) Run(ctx context.Context) (Progress, error) {
	var p Progress
	cursor, err := w.load(&p)
	if err != nil {
		return p, err
	}
	if p.Total, err = dbsize(w.Src); err != nil {
		return p, err
	}
	if w.Limiter == nil {
		return w.runPipelined(ctx, cursor, p)
	}
	copier := &replay.Copier{Src: w.Src, Dst: w.Dst, Limiter: w.Limiter, Batch: w.Batch}
	count := []byte(strconv.Itoa(orDefault(w.Count, DefaultCount)))
	start, startScanned := time.Now(), p.Scanned
	var keys [][]byte
	for {
		r, err := w.Src.Do([]byte("SCAN"), cursor, []byte("COUNT"), count)
		if err != nil {
			return p, err
		}
		cursor, keys, err = replay.Scan(r, keys[:0])
		if err != nil {
			return p, fmt.Errorf("cannot scan the source: %w", err)
		}
		p.Scanned += int64(len(keys))
		owned := keys[:0]
		for _, k := range keys {
			if w.Owns(k) {
				owned = append(owned, k)
			}
		}
		if err := copier.Copy(ctx, owned); err != nil {
			return p, err
		}
		p.Copied += int64(len(owned))
		if stop, err := w.pageDone(ctx, &p, cursor, start, startScanned); stop {
			return p, err
		}
	}
}

// page is one SCAN page read from the source by runPipelined's reader.
type page struct {
	cursor  []byte
	scanned int
	owned   int
	writes  replay.Writes
	err     error
}

// runPipelined is Run without a Limiter: one goroutine scans the source
// and reads each page's DUMP and PTTL (a whole page per round trip) while
// this one writes the page before to the target and saves the checkpoint
// once the target has it all, so both datastores work at once.
func (w *Warmer) runPipelined(ctx context.Context, cursor []byte, p Progress) (Progress, error) {
	copier := &replay.Copier{Src: w.Src, Dst: w.Dst}
	count := []byte(strconv.Itoa(orDefault(w.Count, DefaultCount)))
	start, startScanned := time.Now(), p.Scanned
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan *page, 1)
	defer func() {
		// The reader ends its exchange with the source before Run
		// returns, so Src is left with no reply unread.
		cancel()
		for range pages {
		}
	}()
	go func() {
		defer close(pages)
		var keys [][]byte
		cur := append([]byte(nil), cursor...)
		for {
			pg := &page{}
			r, err := w.Src.Do([]byte("SCAN"), cur, []byte("COUNT"), count)
			if err == nil {
				var next []byte
				next, keys, err = replay.Scan(r, keys[:0])
				if err != nil {
					err = fmt.Errorf("cannot scan the source: %w", err)
				}
				cur = append(cur[:0:0], next...)
			}
			if err == nil {
				pg.cursor, pg.scanned = cur, len(keys)
				owned := keys[:0]
				for _, k := range keys {
					if w.Owns(k) {
						owned = append(owned, k)
					}
				}
				pg.owned = len(owned)
				if len(owned) > 0 {
					err = copier.Read(owned, &pg.writes)
				}
			}
			pg.err = err
			select {
			case pages <- pg:
			case <-ctx.Done():
				return
			}
			if err != nil || string(cur) == "0" {
				return
			}
		}
	}()
	for pg := range pages {
		if pg.writes.Restored+pg.writes.Deleted > 0 {
			if err := copier.Write(&pg.writes); err != nil {
				return p, err
			}
		}
		if pg.err != nil {
			return p, pg.err
		}
		p.Scanned += int64(pg.scanned)
		p.Copied += int64(pg.owned)
		if stop, err := w.pageDone(ctx, &p, pg.cursor, start, startScanned); stop {
			return p, err
		}
	}
	return p, ctx.Err()
}

// pageDone records a page copied whole, up to cursor: the checkpoint,
// the estimate, the progress callback. It reports whether Run stops
// (done, an error, or ctx ended), with the error to return.
func (w *Warmer) pageDone(ctx context.Context, p *Progress, cursor []byte, start time.Time, startScanned int64) (bool, error) {
	p.Done = string(cursor) == "0"
	if err := w.save(cursor, *p); err != nil {
		return true, err
	}
	w.estimate(p, start, startScanned)
	if w.Progress != nil {
		w.Progress(*p)
	}
	if p.Done {
		return true, nil
	}
	if err := ctx.Err(); err != nil {
		return true, err
	}
	return false, nil
}

func (w *Warmer) estimate(p *Progress, start time.Time, startScanned int64) {
	el := time.Since(start).Seconds()
	if el <= 0 {
		return
	}
	p.Rate = float64(p.Scanned-startScanned) / el
	p.ETA = 0
	if left := p.Total - p.Scanned; !p.Done && left > 0 && p.Rate > 0 {
		p.ETA = time.Duration(float64(left) / p.Rate * float64(time.Second))
	}
}

// load reads the checkpoint: "cursor scanned copied\n". A missing or
// unreadable one starts from the beginning.
func (w *Warmer) load(p *Progress) ([]byte, error) {
	if w.Checkpoint == "" {
		return []byte("0"), nil
	}
	b, err := os.ReadFile(w.Checkpoint)
	if os.IsNotExist(err) {
		return []byte("0"), nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the warm-up checkpoint: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return []byte("0"), nil
	}
	if _, err := strconv.ParseUint(f[0], 10, 64); err != nil {
		return []byte("0"), nil
	}
	p.Scanned, _ = strconv.ParseInt(f[1], 10, 64)
	p.Copied, _ = strconv.ParseInt(f[2], 10, 64)
	return []byte(f[0]), nil
}

// save writes the checkpoint whole (a new file renamed over the old one),
// or removes it when the walk is done.
func (w *Warmer) save(cursor []byte, p Progress) error {
	if w.Checkpoint == "" {
		return nil
	}
	if p.Done {
		if err := os.Remove(w.Checkpoint); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("cannot remove the warm-up checkpoint: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(w.Checkpoint), 0o755); err != nil {
		return fmt.Errorf("cannot save the warm-up checkpoint: %w", err)
	}
	tmp := w.Checkpoint + ".tmp"
	data := fmt.Appendf(nil, "%s %d %d\n", cursor, p.Scanned, p.Copied)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("cannot save the warm-up checkpoint: %w", err)
	}
	if err := os.Rename(tmp, w.Checkpoint); err != nil {
		return fmt.Errorf("cannot save the warm-up checkpoint: %w", err)
	}
	return nil
}

func dbsize(c *replay.Conn) (int64, error) {
	r, err := c.Do([]byte("DBSIZE"))
	if err != nil {
		return 0, err
	}
	n, err := replay.Int(r)
	if err != nil {
		return 0, fmt.Errorf("cannot read DBSIZE: %w", err)
	}
	return n, nil
}

// orDefault returns n, or def when n <= 0.
func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

package matrix

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The chart is the table's ratio column drawn: one group of bars per
// workload, one bar per target (every proxy: our nodes, their twins), its
// height the median ops/s over the datastore direct in the same rep, and
// across each group a dashed line at the floor forwarder's ratio, what any
// proxy process costs on the machine. It is written as SVG and PNG next to
// the JSON.
//
//	1.0 |            (the datastore direct)
//	    |  _ _ _ _ _ _ _    <- floor
//	    |  ##  ##
//	    |  ## ###  ##
//	    +------------------
//	        mix      1k

// chartData is what the chart draws, taken from the table's rows.
type chartData struct {
	workloads []string    // the groups, in the table's order
	targets   []string    // the bars of every group, in the table's order
	ratio     [][]float64 // ratio[t][w]; NaN where the target has no ratio
	floor     []float64   // floor[w]: the floor's ratio; NaN without one
}

// isFloor tells whether target is the floor forwarder (drawn as a mark);
// isDirect whether it is the datastore direct (the reference, ratio 1).
func isFloor(target string) bool  { return target == floorTarget || target == floorMCTarget }
func isDirect(target string) bool { return target == "redis" || target == memcachedTarget }

// newChartData collects the ratios of rows. Targets without a ratio on any
// workload (no datastore direct ran) are left out.
func newChartData(rows []row) chartData {
	var d chartData
	wi, ti := map[string]int{}, map[string]int{}
	for _, r := range rows {
		if _, ok := wi[r.Workload]; !ok {
			wi[r.Workload] = len(d.workloads)
			d.workloads = append(d.workloads, r.Workload)
		}
	}
	d.floor = nanSlice(len(d.workloads))
	for _, r := range rows {
		if math.IsNaN(r.Ratio) || r.Runs == 0 || isDirect(r.Target) {
			continue
		}
		if isFloor(r.Target) {
			d.floor[wi[r.Workload]] = r.Ratio
			continue
		}
		i, ok := ti[r.Target]
		if !ok {
			i = len(d.targets)
			ti[r.Target] = i
			d.targets = append(d.targets, r.Target)
			d.ratio = append(d.ratio, nanSlice(len(d.workloads)))
		}
		d.ratio[i][wi[r.Workload]] = r.Ratio
	}
	return d
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// palette colours the bars; targets past its length reuse it from the start.
var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255}, color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255}, color.RGBA{174, 199, 232, 255}, color.RGBA{255, 187, 120, 255},
}

// Sizes of the chart.
const (
	barWidth  = 9 * vg.Millimeter / 2
	groupGap  = 6 * vg.Millimeter
	chartH    = 12 * vg.Centimeter
	marginW   = 4 * vg.Centimeter
	minChartW = 18 * vg.Centimeter
)

// floorGlyph draws a horizontal line of half-width half centred on the
// point: the floor's mark across one group of bars.
type floorGlyph struct{ half vg.Length }

// DrawGlyph implements draw.GlyphDrawer.
func (g floorGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	ls := draw.LineStyle{Color: sty.Color, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
	c.StrokeLine2(ls, pt.X-g.half, pt.Y, pt.X+g.half, pt.Y)
}

// plot builds the chart, and returns its size.
func (d chartData) plot(title string) (*plot.Plot, vg.Length, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "ops/s over the datastore direct (same rep, median)"
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	n := len(d.targets)
	group := vg.Length(n)*barWidth + groupGap
	top := 1.0
	for i, t := range d.targets {
		vals := make(plotter.Values, len(d.workloads))
		for w, v := range d.ratio[i] {
			if !math.IsNaN(v) {
				vals[w] = v
				top = math.Max(top, v)
			}
		}
		b, err := plotter.NewBarChart(vals, barWidth)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot draw the bars of %s: %w", t, err)
		}
		b.Color = palette[i%len(palette)]
		b.LineStyle.Width = 0
		b.Offset = (vg.Length(i) - vg.Length(n-1)/2) * barWidth
		p.Add(b)
		p.Legend.Add(t, b)
	}
	var pts plotter.XYs
	for w, v := range d.floor {
		if !math.IsNaN(v) {
			pts = append(pts, plotter.XY{X: float64(w), Y: v})
			top = math.Max(top, v)
		}
	}
	if len(pts) > 0 {
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, 0, fmt.Errorf("cannot draw the floor: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Shape: floorGlyph{half: group/2 - groupGap/4}}
		p.Add(s)
		legend, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}})
		legend.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
		p.Legend.Add("floor", legend)
	}
	p.NominalX(d.workloads...)
	p.X.Min, p.X.Max = -0.5, float64(len(d.workloads))-0.5
	p.Y.Max = top * 1.25 // room for the legend
	return p, max(minChartW, vg.Length(len(d.workloads))*group+marginW), nil
}

// writeChart draws rows into dir/kind-STARTED.svg and .png (see chartData)
// and returns their paths. With no ratio to draw (no datastore direct ran)
// it writes nothing and says so.
func writeChart(dir, base, title string, rows []row) ([]string, error) {
	d := newChartData(rows)
	if len(d.workloads) == 0 || len(d.targets) == 0 && !slices.ContainsFunc(d.floor, func(v float64) bool { return !math.IsNaN(v) }) {
		return nil, errors.New("cannot draw a chart: no target has a ratio to the datastore direct")
	}
	p, width, err := d.plot(title)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	var paths []string
	for _, format := range []string{"svg", "png"} {
		path := filepath.Join(dir, base+"."+format)
		if err := saveChart(p, width, format, path); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// saveChart writes p in format to path.
func saveChart(p *plot.Plot, width vg.Length, format, path string) error {
	wt, err := p.WriterTo(width, chartH, format)
	if err != nil {
		return fmt.Errorf("cannot draw the chart as %s: %w", strings.ToUpper(format), err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot write the chart: %w", err)
	}
	if _, err := wt.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("cannot write the chart: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write the chart: %w", err)
	}
	return nil
}

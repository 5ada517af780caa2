package stats

import (
	"bufio"
	"fmt"
	"io"
)

// Describe writes the stats description that `dynomite -D` prints after its
// version line (spec §2.2), starting at "pool stats:":
//
//	pool stats:
//	  client_eof          "# eof on client connections"
//	  ...
//	<blank line>
//	server stats:
//	  server_eof          "# eof on server connections"
//	  ...
//
// Each row is two spaces, the name left-justified in 20 columns (no
// separator when longer, as C's %-20s) and the quoted description. Lines end
// in "\n". The "This is dynomite-<version>" line and the blank line after it
// belong to the caller; DescribeVersion writes them too.
func Describe(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("pool stats:\n")
	for m := Metric(0); m < firstServer; m++ {
		writeDescribeRow(bw, table[m])
	}
	bw.WriteString("\nserver stats:\n")
	for m := firstServer; int(m) < NumMetrics; m++ {
		writeDescribeRow(bw, table[m])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write stats description: %w", err)
	}
	return nil
}

// DescribeVersion writes the whole -D output: "This is dynomite-<version>",
// a blank line, then what Describe writes.
func DescribeVersion(w io.Writer, version string) error {
	if _, err := fmt.Fprintf(w, "This is dynomite-%s\n\n", version); err != nil {
		return fmt.Errorf("cannot write stats description: %w", err)
	}
	return Describe(w)
}

func writeDescribeRow(bw *bufio.Writer, d Desc) {
	fmt.Fprintf(bw, "  %-20s\"%s\"\n", d.Name, d.Help)
}

package report

import "os"

// WriteHTMLFile writes the HTML report to path.
func WriteHTMLFile(path string, rep *Report) error {
	return os.WriteFile(path, []byte("<html></html>"), 0o644)
}

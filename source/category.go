package source

import (
	"strings"

	"github.com/halcytone/halcytone/content"
)

var categoryWords = []struct {
	cat   content.Category
	words []string
}{
	{content.CategoryBreathscape, []string{"breathscape", "app", "software"}},
	{content.CategoryHardware, []string{"hardware", "device", "sensor"}},
	{content.CategoryTips, []string{"tips", "tip", "wellness", "technique", "techniques"}},
	{content.CategoryVision, []string{"vision", "mission", "company"}},
}

// CategoryOf picks the category a heading or label names: breathscape
// (breathscape, app, software), hardware (hardware, device, sensor), tips
// (tips, wellness, technique) or vision (vision, mission, company), by
// whole words, case-insensitively; the first that matches wins. Any other
// text gives content.CategoryGeneral.
func CategoryOf(s string) content.Category {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, cw := range categoryWords {
		for _, w := range words {
			for _, k := range cw.words {
				if w == k || w == k+"s" {
					return cw.cat
				}
			}
		}
	}
	return content.CategoryGeneral
}

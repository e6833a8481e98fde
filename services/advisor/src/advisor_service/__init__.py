"""AdvisorService: coaching advice from workout numbers, by Gemini or by the offline rule-based coach."""

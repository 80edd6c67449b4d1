"""Open licences (Patent Law arts. 50–52): declarations, accepted licences, trial and royalty
licences, certificates and their public verification, and agreements recorded on a listing."""

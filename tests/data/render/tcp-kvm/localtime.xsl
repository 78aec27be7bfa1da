<?xml version="1.0"?>
<!-- localtime.xsl - a platform stylesheet: the guest clock runs on local time -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
  <xsl:template match="/domain/clock/@offset"><xsl:attribute name="offset">localtime</xsl:attribute></xsl:template>
</xsl:stylesheet>

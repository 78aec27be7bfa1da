<?xml version="1.0" encoding="UTF-8"?>
<!-- SPDX-License-Identifier: LGPL-2.1-or-later -->
<!-- sros-cpm-disk.xsl - rewrite a domain's first disk into the SR OS CPM layout (persistent raw copy)

     String parameter: disk_path, the absolute path of the CPM's raw disk copy, e.g.
       xsltproc stringparam disk_path /labs/l1/vsim-2-a/disk.img sros-cpm-disk.xsl domain.xml
     (with two dashes before stringparam).

     The first <disk> of /domain/devices whose device is 'disk' (or unset: libvirt's default)
     becomes

       <disk type='file' device='disk'>
         <driver name='qemu' type='raw' cache='none'/>
         <source file='$disk_path'/>
         <backingStore/>
         <target dev='(kept)' bus='virtio'/>
         (<boot>, <alias> and <address> kept, in their order)
       </disk>

     Whatever described the old image is dropped: its driver, source, backing chain, readonly,
     shareable, serial, iotune, encryption, auth and the disk's own attributes (such as KubeVirt's
     model='virtio-non-transitional'; without it QEMU picks a transitional virtio-blk that older
     guests also drive). <boot order> stays so the boot order of the domain does not change.
     The target keeps the input's dev name and gets bus='virtio'. libvirt 9.0 takes any name on
     a virtio bus: the brief's <target dev='hda' bus='virtio'/> passes virt-xml-validate and
     virsh define on test:///default. But QEMU's device id comes from the name's index, and hda
     and vda both become virtio-disk0: a domain with hda here and another virtio disk named vda
     is defined fine yet fails to start ("Duplicate device ID 'virtio-disk0'", QEMU 7.2).
     Renderers should call the disk vda; KubeVirt's own names (vda, vdb, ...) are safe.
     Every other node of the document is copied unchanged (identity transform); the new disk's
     children take the indentation of the old disk, so indented input stays indented.

     A missing or relative disk_path, an input that is not a domain, or a domain without a disk
     stops the transform with an xsl:message terminate='yes' (xsltproc exits non-zero). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8" omit-xml-declaration="yes"/>

  <xsl:param name="disk_path" select="''"/>

  <xsl:variable name="first-disk"
                select="/domain/devices/disk[not(@device) or @device = 'disk'][1]"/>

  <xsl:template match="/">
    <xsl:if test="string-length($disk_path) = 0">
      <xsl:message terminate="yes">sros-cpm-disk.xsl: missing string parameter 'disk_path'</xsl:message>
    </xsl:if>
    <xsl:if test="not(starts-with($disk_path, '/'))">
      <xsl:message terminate="yes">sros-cpm-disk.xsl: disk_path '<xsl:value-of select="$disk_path"/>' is not an absolute path</xsl:message>
    </xsl:if>
    <xsl:if test="not(domain)">
      <xsl:message terminate="yes">sros-cpm-disk.xsl: the input is not a libvirt domain (no root element 'domain')</xsl:message>
    </xsl:if>
    <xsl:if test="not($first-disk)">
      <xsl:message terminate="yes">sros-cpm-disk.xsl: the domain has no disk with device='disk' to rewrite</xsl:message>
    </xsl:if>
    <xsl:if test="string-length($first-disk/target/@dev) = 0">
      <xsl:message terminate="yes">sros-cpm-disk.xsl: the first disk has no target dev</xsl:message>
    </xsl:if>
    <xsl:apply-templates select="node()"/>
  </xsl:template>

  <!-- Identity: everything but the first disk is copied as it is. -->
  <xsl:template match="@* | node()">
    <xsl:copy>
      <xsl:apply-templates select="@* | node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="/domain/devices/disk[not(@device) or @device = 'disk'][1]">
    <!-- Reuse the old disk's whitespace: before its first child and before its end tag. -->
    <xsl:variable name="indent" select="string(node()[1][self::text()][normalize-space() = ''])"/>
    <xsl:variable name="close" select="string(node()[last()][self::text()][normalize-space() = ''])"/>
    <disk type="file" device="disk">
      <xsl:value-of select="$indent"/>
      <driver name="qemu" type="raw" cache="none"/>
      <xsl:value-of select="$indent"/>
      <source file="{$disk_path}"/>
      <xsl:value-of select="$indent"/>
      <backingStore/>
      <xsl:value-of select="$indent"/>
      <target dev="{target/@dev}" bus="virtio"/>
      <xsl:for-each select="boot | alias | address">
        <xsl:value-of select="$indent"/>
        <xsl:copy-of select="."/>
      </xsl:for-each>
      <xsl:value-of select="$close"/>
    </disk>
  </xsl:template>
</xsl:stylesheet>
